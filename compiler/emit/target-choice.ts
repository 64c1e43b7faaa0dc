// Which target a Node build runs on when none is named: cnnc's own WebAssembly target, unless some
// layer of the model (or, for a module that trains, some step of its training) has no wasm kernel;
// then gpu.js, and the first such layer with the reason its spec gives. `cnnc build` (default
// `--target auto`) and `cnnc train --target auto` both decide here, before generating any code.
import type { Span } from '../diagnostics/diagnostic.js';
import type { ModelGraph } from '../ir/graph.js';
import { lookupLayer } from '../layers/registry.js';
import type { ConvChoice } from '../passes/pass.js';
import { optimize, type OptLevel } from '../passes/registry.js';
import { planTraining, type BuildOptions } from './build-module.js';
import { planModule } from './plan-module.js';
import type { Target } from './target.js';
import { stepUnsupported } from './wasm/backward/index.js';
import { wasmTarget } from './wasm/target.js';

/** The first layer the wasm target cannot run (or train), and why. */
export interface WasmGap {
  /** The layer's op, e.g. `lrn`. */
  op: string;
  /** Its call in the source. */
  span: Span;
  /** The reason, as the layer's spec gives it (`unsupportedOn.wasm`, `noWasmBackward`, …). */
  reason: string;
  /** Whether the layer runs on wasm but cannot train there (`noWasmBackward`). */
  training: boolean;
}

/** What the decision needs: the build's optimisation level and lowering, and whether it trains. */
export interface TargetChoiceOptions {
  level: OptLevel;
  conv: ConvChoice;
  /** Whether the module is built with its training half (`--train`, `cnnc train`). */
  training: boolean;
  train?: BuildOptions['train'];
  verify?: boolean;
}

/**
 * The first layer of `model` that keeps it off the wasm target, or null when the whole model (and,
 * with `training`, its training step) runs there. `target` is the wasm target (a parameter for
 * tests). Plans the model as the build will, without generating code.
 */
export function wasmGap(
  model: ModelGraph,
  options: TargetChoiceOptions,
  target: Target = wasmTarget,
): WasmGap | null {
  // A layer whose spec declares it cannot be built on wasm, before any planning.
  for (const node of model.nodes) {
    const declared = lookupLayer(node.op)?.unsupportedOn?.wasm;
    if (declared) return { op: node.op, span: node.span, reason: declared, training: false };
  }
  // A layer the target refuses once optimised (a kernel call with no WebAssembly generator).
  const optimized = optimize(model, {
    level: options.level,
    conv: options.conv,
    verify: options.verify,
  });
  let refused: WasmGap | null = null;
  const watching: Target = {
    ...target,
    planLayer(ctx) {
      const plan = target.planLayer(ctx);
      if (plan.kind === 'unsupported' && !refused)
        refused = { op: ctx.node.op, span: ctx.node.span, reason: plan.reason, training: false };
      return plan;
    },
  };
  planModule(optimized.graph, watching, () => undefined, model.nodes);
  if (refused || !options.training) return refused;
  // A step of the training plan with no WebAssembly backward.
  const { backward } = planTraining(model, target, options);
  // A kernel with no gradient rule trains on no target; gpu.js's build then says so (CNN4002).
  const { missing } = backward;
  if (missing)
    return {
      op: missing.node.op,
      span: missing.node.span,
      reason: lookupLayer(missing.node.op)?.noGradient ?? 'it has no backward',
      training: true,
    };
  for (const step of backward.steps) {
    const problem = stepUnsupported(step);
    if (problem)
      return {
        op: step.layer.node.op,
        span: step.layer.node.span,
        reason: problem.reason,
        training: true,
      };
  }
  return null;
}

/**
 * One line on a gap: "the wasm target cannot train `lrn` at model.cnn:5:3: <reason>". `where` is
 * the layer's `file:line:col`.
 */
export function describeWasmGap(gap: WasmGap, where: string): string {
  return `the wasm target cannot ${gap.training ? 'train' : 'build'} \`${gap.op}\` at ${where}: ${gap.reason}`;
}
