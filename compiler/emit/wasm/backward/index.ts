// The training module of the wasm target: a second WebAssembly module whose arena keeps every
// value of the training forward (no slot reuse: the backward reads them) and every gradient, whose
// functions are the forward kernels of the training plan (no folds, unfused activations) followed
// by the backward schedule of `planBackward`, and whose weight region is followed by the parameter
// gradients. See docs/wasm-target.md, "Training".
import { LOSS_GRADIENT, type TrainingPlan, type TrainStep } from '../../plan-backward.js';
import type { ModulePlan } from '../../plan-module.js';
import { numberArg } from '../../../shapes/read-args.js';
import { ACTIVATION_HELPERS } from '../activation.js';
import {
  GENERATORS,
  packedLength,
  type ArenaValue,
  type LayerEntry,
  type WeightSlot,
} from '../assemble.js';
import { stagingBytes } from '../gemm.js';
import type { GeneratedKernel } from '../kernel.js';
import { add, get, i32, locals, mul } from '../wat.js';
import { normalizeBackward } from '../normalize.js';
import type { BackwardEnv, BackwardGenerator } from './common.js';
import { convBackward, convBackwardSupported, linearBackward } from './conv.js';
import {
  batchnormBackward,
  batchnormTrainForward,
  multiplyKernel,
  STATS_PER_CHANNEL,
} from './normalize.js';
import {
  activationBackward,
  activationBackwardStep,
  adaptivePoolBackward,
  addBackward,
  addBackwardSupported,
  BACKWARD_HELPERS,
  poolBackward,
  poolBackwardSupported,
  sumKernel,
} from './simple.js';

/** The backward generator of each forward factory the wasm target can train. */
export const BACKWARD_GENERATORS: Readonly<Record<string, BackwardGenerator>> = {
  conv2d: convBackward,
  conv2dIm2col: convBackward,
  conv1d: convBackward,
  linear: linearBackward,
  activation: activationBackward,
  elementwiseChain: activationBackward,
  pool2d: poolBackward,
  adaptivePool2d: adaptivePoolBackward,
  add: addBackward,
  normalize: normalizeBackward,
};

/** Steps whose training forward differs from inference (handled by the module builder). */
const TRAIN_FORWARD = new Set(['batchnorm', 'dropout']);

/** Why `step` cannot train on the wasm target, or null. */
function stepUnsupported(step: TrainStep): string | null {
  const { call } = step;
  if (TRAIN_FORWARD.has(call.factory)) {
    const activation = call.descriptor.activation as { kind?: string } | undefined;
    return !activation || activation.kind === 'identity'
      ? null
      : `\`${step.layer.node.op}\` with a fused activation has no WebAssembly backward yet`;
  }
  const generator = Object.hasOwn(BACKWARD_GENERATORS, call.factory)
    ? BACKWARD_GENERATORS[call.factory]
    : undefined;
  const ok =
    generator !== undefined &&
    (generator !== convBackward || convBackwardSupported(call)) &&
    (generator !== activationBackward || activationBackwardStep(call) !== null) &&
    (generator !== poolBackward || poolBackwardSupported(call)) &&
    (generator !== addBackward || addBackwardSupported(call));
  return ok
    ? null
    : `\`${step.layer.node.op}\` (kernel \`${call.factory}\`) has no WebAssembly backward yet; train it with \`--target gpujs\``;
}

/** Why the model cannot train on the wasm target, or null. */
export function wasmTrainingUnsupported(training: TrainingPlan): string | null {
  if (training.unsupported) return training.unsupported;
  for (const step of training.steps) {
    const reason = stepUnsupported(step);
    if (reason) return reason;
  }
  return null;
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
  /** The output of every step, by graph node, for the non-finite check. */
  traced: { node: number; offset: number; size: number }[];
}

const ALIGN = 64;
const align = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/** Lays out and generates the training module of `plan` (a training plan) and its backward. */
export function generateTrainingModule(
  plan: ModulePlan,
  training: TrainingPlan,
): { wat: string; layout: WasmTrainLayout } {
  const sizes = new Map<string, number>();
  const offsets = new Map<string, number>();
  let arenaBytes = 0;
  const place = (variable: string, floats: number) => {
    if (offsets.has(variable)) return;
    sizes.set(variable, floats);
    offsets.set(variable, arenaBytes);
    arenaBytes += align(4 * floats);
  };
  const product = (shape: readonly number[]) => shape.reduce((acc, dim) => acc * dim, 1);
  for (const input of plan.inputs) place(input.identifier, product(input.shape));
  for (const step of training.steps) {
    const last = step.layer.calls.indexOf(step.call) === step.layer.calls.length - 1;
    const d = step.call.descriptor;
    const field = (key: string) => Number(d[key] ?? 1);
    place(
      step.output,
      last
        ? product(step.layer.node.shape ?? [])
        : field('outChannels') * field('outHeight') * field('outWidth'),
    );
  }
  for (const step of training.steps)
    if (step.call.factory === 'dropout')
      place(`${step.output}$mask`, Number(step.call.descriptor.features));
  // The staging region (padded inputs, im2col panels) is only used inside forward convolutions,
  // so the backward's gradients share its space.
  const staging = arenaBytes;
  const stagingEnd =
    staging + Math.max(0, ...training.steps.map((step) => stagingBytes(step.call)));
  // Gradients live from the op that writes them to the op that reads them: their slots are reused
  // (best fit, never the slot an op reads while it writes). They start at the staging region.
  const free: { offset: number; bytes: number }[] = [];
  const allocate = (variable: string, floats: number) => {
    const bytes = align(4 * floats);
    let best = -1;
    free.forEach((block, idx) => {
      if (block.bytes >= bytes && (best < 0 || block.bytes < free[best].bytes)) best = idx;
    });
    sizes.set(variable, floats);
    if (best < 0) {
      offsets.set(variable, arenaBytes);
      arenaBytes += bytes;
    } else offsets.set(variable, free.splice(best, 1)[0].offset);
  };
  const release = (variable: string) =>
    free.push({
      offset: offsets.get(variable) as number,
      bytes: align(4 * (sizes.get(variable) as number)),
    });
  allocate(LOSS_GRADIENT, sizes.get(training.output) as number);
  for (const op of training.backward) {
    if (op.kind === 'sum') {
      allocate(op.target, sizes.get(op.parts[0]) as number);
      op.parts.forEach(release);
      continue;
    }
    for (const target of op.inputs) {
      const index = target.field === 'input' ? 0 : Number(/\d+/.exec(target.field)?.[0]);
      allocate(target.target, sizes.get(op.step.inputs[index]) as number);
    }
    release(op.gradOutput);
  }
  arenaBytes = align(Math.max(arenaBytes, stagingEnd, ALIGN));
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
    staging,
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

  const functions: string[] = [];
  const layers: LayerEntry[] = [];
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
        momentum: numberArg(step.layer.node, 'momentum', 0.1),
      });
      addKernels(stem, [batchnormTrainForward(call, values, env, stats)]);
    } else if (call.factory === 'dropout') {
      const mask = offset(`${step.output}$mask`);
      const size = Number(call.descriptor.features);
      dropouts.push({ offset: mask, size, p: Number(call.descriptor.p) });
      addKernels(stem, [multiplyKernel(env, values.inputs[0], mask, values.output, size)]);
    } else addKernels(stem, [GENERATORS[call.factory](call, values, env)].flat());
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
          : BACKWARD_GENERATORS[step.call.factory](step.call, values, env);
    addKernels(`b${step.kernel.slice('train'.length)}`, kernels);
  });

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
      traced: training.steps.map((step) => ({
        node: step.layer.node.id,
        offset: offset(step.output),
        size: sizes.get(step.output) as number,
      })),
    },
  };
}
