// The training module of the wasm target: a second WebAssembly module whose arena keeps every
// value of the training forward (no slot reuse: the backward reads them) and every gradient, whose
// functions are the forward kernels of the training plan (no folds, unfused activations) followed
// by the backward schedule of `planBackward`, and whose weight region is followed by the parameter
// gradients. See docs/wasm-target.md, "Training".
import { LOSS_GRADIENT, type TrainingPlan, type TrainStep } from '../../plan-backward.js';
import type { ModulePlan } from '../../plan-module.js';
import { argNumber } from '../../../layers/args.js';
import { ACTIVATION_HELPERS } from '../activation.js';
import { packedLength, type ArenaValue, type LayerEntry, type WeightSlot } from '../assemble.js';
import { backwardKernel, forwardKernel, stagingOf as stagingBytes } from '../kernels.js';
import { hasTrait, lookupLayer } from '../../../layers/registry.js';
import type { GeneratedKernel } from '../kernel.js';
import { add, get, i32, locals, mul } from '../wat.js';
import { layOutOptimizer, optimizerFunctions, type WasmOptimizerLayout } from '../optimizer.js';
import type { BackwardEnv } from './common.js';
import {
  batchnormBackward,
  batchnormTrainForward,
  multiplyKernel,
  STATS_PER_CHANNEL,
} from './normalize.js';
import { BACKWARD_HELPERS, sumKernel } from './simple.js';

/**
 * Why `step` cannot train on the wasm target, or null: the reason alone (the layer's
 * `noWasmBackward`, or why a fused or kernel-less step has no backward), and the message that
 * names the layer and its kernel.
 */
export function stepUnsupported(step: TrainStep): { reason: string; message: string } | null {
  const { call } = step;
  const op = step.layer.node.op;
  // Layers whose training forward differs from inference (batch statistics, a mask) are built
  // by the module builder below.
  if (hasTrait(op, 'trainsDifferently')) {
    const activation = call.descriptor.activation as { kind?: string } | undefined;
    if (!activation || activation.kind === 'identity') return null;
    const reason = 'with a fused activation it has no WebAssembly backward yet';
    return { reason, message: `\`${op}\` with a fused activation has no WebAssembly backward yet` };
  }
  const ok = forwardKernel(call.factory) !== undefined && backwardKernel(call) !== undefined;
  if (ok) return null;
  const declared = lookupLayer(op)?.noWasmBackward;
  const kernel = `\`${op}\` (kernel \`${call.factory}\`)`;
  return declared
    ? { reason: declared, message: `${kernel}: ${declared}; train it with \`--target gpujs\`` }
    : {
        reason: 'it has no WebAssembly backward yet',
        message: `${kernel} has no WebAssembly backward yet; train it with \`--target gpujs\``,
      };
}

/** Why the model cannot train on the wasm target, or null. */
export function wasmTrainingUnsupported(training: TrainingPlan): string | null {
  if (training.unsupported) return training.unsupported;
  for (const step of training.steps) {
    const problem = stepUnsupported(step);
    if (problem) return problem.message;
  }
  return null;
}

function backwardOf(call: TrainStep['call']) {
  const generator = backwardKernel(call);
  if (!generator) throw new Error(`internal error: no wasm backward for ${call.factory}`);
  return generator;
}

/** A parameter gradient in the region after the weights (plain layout, PyTorch order). */
export interface GradientSlot {
  name: string;
  offset: number;
  length: number;
}

/** The memory layout and schedule of the training module. */
export interface WasmTrainLayout {
  weightBytes: number;
  scratchBytes: number;
  arenaBytes: number;
  weights: WeightSlot[];
  inputs: ArenaValue[];
  outputs: ArenaValue[];
  /** Forward functions first (`forwardLayers` of them), then the backward's. */
  layers: LayerEntry[];
  forwardLayers: number;
  /** Where the runtime writes the loss gradient (shaped like the first output). */
  lossGradient: number;
  gradients: GradientSlot[];
  /** Training-mode BatchNorms: where their statistics are, and the buffers they update. */
  batchnorms: {
    mean: string;
    variance: string;
    stats: number;
    channels: number;
    spatial: number;
    momentum: number;
  }[];
  /** Dropout masks the runtime draws before each training forward, in forward order. */
  dropouts: { offset: number; size: number; p: number }[];
  /**
   * The output of every step, by graph node, for the non-finite check: complete once the layer
   * functions before `after` have run (later steps may reuse its bytes).
   */
  traced: { node: number; after: number; offset: number; size: number }[];
  /** The optimizer step in the module: masters, gradients and slots of the trainable parameters. */
  optimizer: WasmOptimizerLayout;
  /** Weight slots (by offset) the module's `fn` packs from the trainable parameters' plain copies. */
  repack: { fn: string; slots: number[] };
}

const ALIGN = 64;
const align = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/**
 * The arena of one sample, planned by liveness over the whole step as plan-memory.ts plans the
 * inference forward: every value, dropout mask, gradient and forward convolution's staging
 * (its padded input; the im2col panels go to the thread's scratch) occupies its bytes from the
 * position that writes it to the last position that reads it, and bytes are reused best-fit once
 * free. Positions: 0 the runtime
 * writing the inputs and masks, then each forward step, then the loss (the runtime reads the
 * outputs and writes the loss gradient), then each backward op. A forward step reads its inputs
 * (a dropout also its mask), the loss the outputs and (for a re-run after a non-finite loss) the
 * model inputs; a backward op reads its step's inputs (a dropout only its mask) and
 * the output gradient, never the step's output; a sum reads its parts. An op's outputs never
 * share bytes with what it reads. Adds the gradients' sizes (floats) to `sizes`.
 */
export function planArena(
  training: TrainingPlan,
  sizes: Map<string, number>,
): { offsets: Map<string, number>; stagingOf: Map<TrainStep, number>; arenaBytes: number } {
  const def = new Map<string, number>();
  const last = new Map<string, number>();
  const bytes = new Map<string, number>();
  const define = (variable: string, position: number, floatsOrBytes: number, inBytes = false) => {
    if (def.has(variable)) throw new Error(`internal error: ${variable} written twice`);
    def.set(variable, position);
    last.set(variable, position);
    bytes.set(variable, align(inBytes ? floatsOrBytes : 4 * floatsOrBytes));
  };
  const read = (variable: string, position: number) => {
    if (!def.has(variable)) throw new Error(`internal error: ${variable} read before written`);
    last.set(variable, Math.max(last.get(variable) as number, position));
  };
  const size = (variable: string) => {
    const floats = sizes.get(variable);
    if (floats === undefined) throw new Error(`internal error: no size of ${variable}`);
    return floats;
  };
  const mask = (step: TrainStep) => `${step.output}$mask`;
  const stagingKey = new Map<TrainStep, string>();

  for (const input of training.inputs) define(input, 0, size(input));
  for (const step of training.steps)
    if (step.call.factory === 'dropout') define(mask(step), 0, size(mask(step)));
  training.steps.forEach((step, idx) => {
    const position = 1 + idx;
    step.inputs.forEach((input) => read(input, position));
    if (step.call.factory === 'dropout') read(mask(step), position);
    define(step.output, position, size(step.output));
    const staging = stagingBytes(step.call, true);
    if (staging > 0) {
      const key = `${step.output}$staging`;
      stagingKey.set(step, key);
      define(key, position, staging, true);
    }
  });
  const loss = 1 + training.steps.length;
  // The inputs stay until the loss: a non-finite loss re-runs the forward from them.
  for (const variable of [...training.inputs, ...training.outputs]) read(variable, loss);
  sizes.set(LOSS_GRADIENT, size(training.output));
  define(LOSS_GRADIENT, loss, size(LOSS_GRADIENT));
  training.backward.forEach((op, idx) => {
    const position = loss + 1 + idx;
    if (op.kind === 'sum') {
      op.parts.forEach((part) => read(part, position));
      sizes.set(op.target, size(op.parts[0]));
      define(op.target, position, size(op.target));
      return;
    }
    const { step } = op;
    if (step.call.factory === 'dropout') read(mask(step), position);
    else step.inputs.forEach((input) => read(input, position));
    read(op.gradOutput, position);
    for (const target of op.inputs) {
      const index = target.field === 'input' ? 0 : Number(/\d+/.exec(target.field)?.[0]);
      sizes.set(target.target, size(step.inputs[index]));
      define(target.target, position, size(target.target));
    }
  });

  // Linear scan over positions: allocate what a position writes, then free what it last reads.
  const byDef = new Map<number, string[]>();
  const byLast = new Map<number, string[]>();
  for (const [variable, position] of def)
    byDef.set(position, [...(byDef.get(position) ?? []), variable]);
  for (const [variable, position] of last)
    byLast.set(position, [...(byLast.get(position) ?? []), variable]);
  const offsets = new Map<string, number>();
  let live: { variable: string; offset: number; bytes: number }[] = [];
  let arenaBytes = ALIGN;
  const end = loss + training.backward.length;
  for (let position = 0; position <= end; position++) {
    for (const variable of byDef.get(position) ?? []) {
      const need = bytes.get(variable) as number;
      // Best fit among the gaps between live blocks; else above the highest one.
      let best = -1;
      let bestGap = Infinity;
      let cursor = 0;
      for (const block of live) {
        const gap = block.offset - cursor;
        if (gap >= need && gap < bestGap) {
          best = cursor;
          bestGap = gap;
        }
        cursor = Math.max(cursor, block.offset + block.bytes);
      }
      const at = best >= 0 ? best : cursor;
      offsets.set(variable, at);
      live.push({ variable, offset: at, bytes: need });
      live.sort((a, b) => a.offset - b.offset);
      arenaBytes = Math.max(arenaBytes, at + need);
    }
    const done = new Set(byLast.get(position) ?? []);
    live = live.filter((block) => !done.has(block.variable));
  }
  const stagingOf = new Map<TrainStep, number>();
  for (const [step, key] of stagingKey) stagingOf.set(step, offsets.get(key) as number);
  return { offsets, stagingOf, arenaBytes: align(arenaBytes) };
}

/** Lays out and generates the training module of `plan` (a training plan) and its backward. */
export function generateTrainingModule(
  plan: ModulePlan,
  training: TrainingPlan,
): { wat: string; layout: WasmTrainLayout } {
  const sizes = new Map<string, number>();
  const product = (shape: readonly number[]) => shape.reduce((acc, dim) => acc * dim, 1);
  for (const input of plan.inputs) sizes.set(input.identifier, product(input.shape));
  for (const step of training.steps) {
    const last = step.layer.calls.indexOf(step.call) === step.layer.calls.length - 1;
    const d = step.call.descriptor;
    const field = (key: string) => Number(d[key] ?? 1);
    sizes.set(
      step.output,
      last
        ? product(step.layer.node.shape ?? [])
        : field('outChannels') * field('outHeight') * field('outWidth'),
    );
    if (step.call.factory === 'dropout')
      sizes.set(`${step.output}$mask`, Number(step.call.descriptor.features));
  }
  const { offsets, stagingOf, arenaBytes } = planArena(training, sizes);
  const offset = (variable: string) => {
    const value = offsets.get(variable);
    if (value === undefined) throw new Error(`internal error: no arena slot for ${variable}`);
    return value;
  };

  const weights: WeightSlot[] = [];
  const gradients: GradientSlot[] = [];
  const keys = new Map<string, number>();
  let weightEnd = ALIGN;
  // Helper functions the forward generators add (`KernelEnv.helper`), as in assemble.ts.
  const helpers: string[] = [];
  const env: BackwardEnv = {
    helper(stem, build) {
      const name = `$h${helpers.length}_${stem}`;
      helpers.push(build(name));
      return name;
    },
    arenaBytes,
    columnsInScratch: true,
    // A forward convolution's staging (its padded input) is its own block of the
    // arena, live during that step only: the step being generated sets it.
    get staging() {
      return staging;
    },
    sampleBase: (sample) => add('(global.get $arena)', mul(get(sample), i32(arenaBytes))),
    weight(name, packing) {
      const key = `${name}\u0000${JSON.stringify(packing)}`;
      const known = keys.get(key);
      if (known !== undefined) return known;
      const at = weightEnd;
      weightEnd += align(4 * packedLength(packing));
      weights.push({ name, offset: at, packing });
      keys.set(key, at);
      return at;
    },
    gradient(name, length) {
      const key = `${name}\u0000gradient`;
      const known = keys.get(key);
      if (known !== undefined) throw new Error(`internal error: two gradients of ${name}`);
      const at = weightEnd;
      weightEnd += align(4 * length);
      gradients.push({ name, offset: at, length });
      keys.set(key, at);
      return at;
    },
    region(length) {
      const at = weightEnd;
      weightEnd += align(4 * length);
      return at;
    },
  };
  const batchnorms: WasmTrainLayout['batchnorms'] = [];
  const dropouts: WasmTrainLayout['dropouts'] = [];
  const statistics = new Map<TrainStep, number>();

  let staging = 0;
  const functions: string[] = [];
  const layers: LayerEntry[] = [];
  /** The end (exclusive) of each forward step's functions, for the non-finite check. */
  const stepEnds: number[] = [];
  let scratchBytes = 0;
  const addKernels = (stem: string, kernels: readonly GeneratedKernel[]) =>
    kernels.forEach((kernel, phase) => {
      const fn = kernels.length > 1 ? `${stem}_p${phase}` : stem;
      functions.push(
        `(func $${fn} (export "${fn}") (param $u0 i32) (param $u1 i32) (param $batch i32) (param $scr i32) ${locals(kernel.locals)}
${kernel.body})`,
      );
      layers.push({
        fn,
        samplesPerUnit: kernel.samplesPerUnit,
        unitsPerGroup: kernel.unitsPerGroup,
        macs: kernel.macs,
      });
      scratchBytes = Math.max(scratchBytes, align(kernel.scratchBytes));
    });

  for (const step of training.steps) {
    const values = { inputs: step.inputs.map(offset), output: offset(step.output) };
    const stem = `t${step.kernel.slice('train'.length)}`;
    const { call } = step;
    staging = stagingOf.get(step) ?? 0;
    if (call.factory === 'batchnorm') {
      const channels = Number(call.descriptor.channels);
      const stats = env.region(STATS_PER_CHANNEL * channels);
      statistics.set(step, stats);
      const [, , mean, variance] = call.params;
      batchnorms.push({
        mean: mean as string,
        variance: variance as string,
        stats,
        channels,
        spatial: Number(call.descriptor.spatial),
        momentum: argNumber(step.layer.node, 'momentum'),
      });
      addKernels(stem, [batchnormTrainForward(call, values, env, stats)]);
    } else if (call.factory === 'dropout') {
      const mask = offset(`${step.output}$mask`);
      const size = Number(call.descriptor.features);
      dropouts.push({ offset: mask, size, p: Number(call.descriptor.p) });
      addKernels(stem, [multiplyKernel(env, values.inputs[0], mask, values.output, size)]);
    } else {
      const generator = forwardKernel(call.factory);
      if (!generator) throw new Error(`internal error: no wasm kernel for ${call.factory}`);
      addKernels(stem, [generator(call, values, env)].flat());
    }
    stepEnds.push(layers.length);
  }
  const forwardLayers = layers.length;
  // Weight gradients are written, not accumulated, so the backward only zeroes nothing else.
  training.backward.forEach((op, idx) => {
    if (op.kind === 'sum') {
      addKernels(`s${idx}`, [
        sumKernel(env, op.parts.map(offset), offset(op.target), sizes.get(op.target) as number),
      ]);
      return;
    }
    const { step } = op;
    const valueInputs = step.rule.result === 'inputs' ? step.inputs : step.inputs.slice(0, 1);
    const gradInputs = valueInputs.map((_, index) => {
      const field = step.rule.result === 'inputs' ? `inputs[${index}]` : 'input';
      const target = op.inputs.find((t) => t.field === field);
      return target ? offset(target.target) : null;
    });
    const values = {
      inputs: step.inputs.map(offset),
      output: offset(step.output),
      gradOutput: offset(op.gradOutput),
      gradInputs,
    };
    const size = sizes.get(step.output) as number;
    const kernels =
      step.call.factory === 'batchnorm'
        ? batchnormBackward(step.call, values, env, statistics.get(step) as number)
        : step.call.factory === 'dropout'
          ? gradInputs[0] === null
            ? []
            : [
                multiplyKernel(
                  env,
                  values.gradOutput,
                  offset(`${step.output}$mask`),
                  gradInputs[0],
                  size,
                ),
              ]
          : backwardOf(step.call)(step.call, values, env);
    addKernels(`b${step.kernel.slice('train'.length)}`, kernels);
  });

  // The optimizer updates the trainable parameters (runtime/wasm/train.ts's list) in place.
  const trainable = plan.params
    .filter((param) => ['weight', 'bias', 'gamma', 'beta'].includes(param.role))
    .map((param) => ({ name: param.name, length: product(param.shape) }));
  const optimizer = layOutOptimizer(trainable, weights, gradients, env.weight, env.region);
  const optimizerCode = optimizerFunctions(optimizer, weights);
  functions.push(optimizerCode.wat);

  const value = (variable: string, name: string): ArenaValue => ({
    name,
    offset: offset(variable),
    size: sizes.get(variable) as number,
  });
  const wat = `(module
(import "env" "memory" (memory $memory 1 65536 shared))
(import "env" "exp" (func $exp (param f64) (result f64)))
(import "env" "tanh" (func $tanh (param f64) (result f64)))
(import "env" "pow" (func $pow (param f64 f64) (result f64)))
(global $arena (mut i32) (i32.const 0))
(func (export "setArena") (param $base i32) (global.set $arena (local.get $base)))
${ACTIVATION_HELPERS}
${BACKWARD_HELPERS}
${helpers.join('\n')}
${functions.join('\n')}
)`;
  return {
    wat,
    layout: {
      weightBytes: weightEnd,
      scratchBytes,
      arenaBytes,
      weights,
      inputs: plan.inputs.map((input) => value(input.identifier, input.name)),
      outputs: plan.outputs.map((output, idx) => value(training.outputs[idx], output.name)),
      layers,
      forwardLayers,
      lossGradient: offset(LOSS_GRADIENT),
      gradients,
      batchnorms,
      dropouts,
      traced: training.steps.map((step, idx) => ({
        node: step.layer.node.id,
        after: stepEnds[idx],
        offset: offset(step.output),
        size: sizes.get(step.output) as number,
      })),
      optimizer,
      repack: { fn: 'opt_repack', slots: optimizerCode.repacked },
    },
  };
}
