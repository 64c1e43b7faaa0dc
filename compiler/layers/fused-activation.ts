// A node's fused activation as the runtime's descriptors spell it: the epilogue that
// compiler/passes/fuse-activation.ts puts on layers with the `fusesActivation` trait, and the
// chains of compiler/passes/fuse-elementwise.ts. Shared by the gpu.js plans of those layers.
import type { ActivationKind, ActivationSpec } from '../../contract/descriptors.js';
import type { OptNode } from '../ir/opt-graph.js';

/** An elementwise op of the IR as the runtime's activation kind (the fusion passes fuse only these). */
export function activationKind(op: string): ActivationKind {
  return op as ActivationKind;
}

/** The fused activation of a node's first epilogue step, as the runtime's `ActivationSpec`. */
export function activationOf(node: OptNode): ActivationSpec | undefined {
  const step = node.epilogue?.[0];
  if (!step) return undefined;
  const kind = activationKind(step.op);
  return step.alpha !== undefined ? { kind, alpha: step.alpha } : { kind };
}

/** `desc` with the node's fused activation, when it has one. */
export function withActivation<T extends object>(
  desc: T,
  node: OptNode,
): T & { activation?: ActivationSpec } {
  const activation = activationOf(node);
  return activation ? { ...desc, activation } : desc;
}
