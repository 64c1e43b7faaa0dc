// The gpu.js target: maps each optimised node to kernel factories of `cnnc/runtime` by asking the
// node's layer spec (`backends.gpujs` in compiler/layers/), unless the spec declares why gpu.js
// cannot build it. The plans themselves live with the layers.
import { lookupLayer } from '../layers/registry.js';
import type { LayerSpec } from '../layers/types.js';
import type { LayerPlan, LayerContext, Target } from './target.js';

/** The plan of `ctx.node` on gpu.js as `spec` gives it, or why there is none. */
export function planFromSpec(spec: LayerSpec | undefined, ctx: LayerContext): LayerPlan {
  const op = ctx.node.op;
  if (!spec) return { kind: 'unsupported', reason: `\`${op}\` is not a layer` };
  const declared = spec.unsupportedOn?.['gpu.js'];
  if (declared) return { kind: 'unsupported', reason: declared };
  const plan = spec.backends?.gpujs;
  if (!plan) return { kind: 'unsupported', reason: `\`${op}\` has no gpu.js kernel` };
  return plan(ctx);
}

/** The gpu.js target over the layers that `lookup` finds (the registry, or a test's variant). */
export function gpujsTargetOf(lookup: (op: string) => LayerSpec | undefined): Target {
  return {
    name: 'gpu.js',
    runtimeModule: 'cnnc/runtime',
    planLayer: (ctx) => planFromSpec(lookup(ctx.node.op), ctx),
  };
}

/** The gpu.js target over `cnnc/runtime`. */
export const gpujsTarget: Target = gpujsTargetOf(lookupLayer);
