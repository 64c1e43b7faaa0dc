// The part of a generated module's training that is the same for every model: the loss, the
// optimizer and its schedule, gradient collection, the non-finite check, and evaluation. The
// generated code adds the training forward and the backward between them, straight-line.
import { lossFunction, type LossKind } from './losses/index.js';
import { accuracy, auc, precision, recall, predictions } from './metrics.js';
import {
  applySchedule,
  createOptimizer,
  createSchedule,
  type Optimizer,
  type OptimizerFactory,
  type OptimizerSpec,
  type OptimizerState,
  type ScheduleSpec,
} from './optim/index.js';
import { createRng, type Rng } from './rng.js';

/** A model's `train` section, as the compiler writes it into the generated module. */
export interface TrainSpec {
  loss: LossKind;
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec;
  batch: number;
  epochs: number;
  seed: number;
  metrics: readonly string[];
  /** Augmentations of training batches, in order; `cnnc train` applies them, `trainStep` does not. */
  augment?: readonly AugmentSpec[];
  /** Stop after this many epochs without a better held-out loss (`cnnc train`). */
  earlyStop?: number;
}

/** One `augment` item of a `train` section (pixels for `crop` and `translate`). */
export type AugmentSpec =
  | { kind: 'flip' }
  | { kind: 'crop'; pad: number }
  | { kind: 'translate'; max: number }
  | { kind: 'rotate'; degrees: number }
  | { kind: 'noise'; std: number };

/** Overrides of the `train` section (from `create({ train })` or `configureTraining`). */
export interface TrainOverrides {
  loss?: LossKind;
  optimizer?: OptimizerSpec;
  /** Replaces only the learning rate of the section's optimizer. */
  lr?: number;
  schedule?: ScheduleSpec;
  /** Steps per epoch, which `onecycle` needs for its total (default: one step per epoch). */
  stepsPerEpoch?: number;
  epochs?: number;
  /** The generator of dropout masks (default: seeded with the section's `seed`). */
  rng?: Rng;
}

/** Options of one `trainStep`. */
export interface StepOptions {
  /** The 0-based epoch, which per-epoch schedules read (default: the last one set, 0 at first). */
  epoch?: number;
  /** Return every parameter gradient (by `state_dict` name) for inspection. */
  gradients?: boolean;
}

/** What `trainStep` resolves to. */
export interface StepResult {
  /** The mean loss of the batch before the update. */
  loss: number;
  /** The model's (first) output of the training forward, `[batch, …]`. */
  outputs: Float32Array;
  /** The learning rate the update used. */
  lr: number;
  gradients?: ReadonlyMap<string, Float32Array>;
}

/**
 * What `evaluate` resolves to; metrics are macro averages as scikit-learn computes them (NaN for
 * `mse`/`bce` targets, which are not class indices).
 */
export interface Evaluation {
  count: number;
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  /** One-vs-rest macro ROC AUC of the softmax probabilities. */
  auc: number;
  /** The predicted class of every sample. */
  predictions: Int32Array;
}

/** The training methods every generated model offers besides `trainStep` and `evaluate`. */
export interface TrainingBase {
  /** Whether `forward` runs the training forward (batch statistics, dropout); false at first. */
  readonly training: boolean;
  train(): void;
  eval(): void;
  readonly optimizer: Optimizer;
  /** Optimizer steps taken so far. */
  readonly step: number;
  /** Replaces the loss, optimizer or schedule; a new optimizer starts with empty state. */
  configureTraining(overrides: TrainOverrides): void;
  /** The optimizer state with parameter names in optimizer order, for checkpoints. */
  optimizerState(): { state: OptimizerState; parameters: string[] };
  loadOptimizerState(state: OptimizerState): void;
}

/** A layer output the non-finite check inspects: `file:line:col op` and its value. */
export type TracedValue = readonly [string, Float32Array];

/** The trainer of one model; generated code only. */
export interface Trainer {
  readonly rng: Rng;
  readonly optimizer: Optimizer;
  readonly step: number;
  configure(overrides: TrainOverrides): void;
  /** Restores the optimizer state and the step counter (which one-cycle schedules read). */
  restore(state: OptimizerState): void;
  /** Loss and gradient of the mean loss with respect to `outputs`. */
  loss(
    outputs: Float32Array,
    targets: ArrayLike<number>,
    batch: number,
  ): { loss: number; gradient: Float32Array };
  /**
   * Applies the schedule for `options`, then one optimizer step over `grads` (an optimizer with
   * `stepInPlace` reads neither `param` nor `grads`).
   */
  update(
    param: (name: string) => Float32Array,
    grads: ReadonlyMap<string, Float32Array>,
    options: StepOptions,
  ): number;
  /** Throws naming the first layer (in forward order) whose output holds a NaN or infinity. */
  nonFinite(loss: number, values: readonly TracedValue[]): never;
  evaluate(
    count: number,
    targets: ArrayLike<number>,
    run: (start: number, size: number) => Promise<Float32Array>,
  ): Promise<Evaluation>;
}

/**
 * Creates the trainer of a model whose trainable parameters are `names` (optimizer order);
 * `makeOptimizer` is a target's optimizer factory (default: runtime/optim's, on Float32Arrays).
 */
export function createTrainer(
  spec: TrainSpec,
  names: readonly string[],
  overrides: TrainOverrides = {},
  makeOptimizer: OptimizerFactory = createOptimizer,
): Trainer {
  let current = resolveSpec(spec, overrides);
  let optimizer = makeOptimizer(current.optimizer);
  let schedule = createSchedule(current.schedule, current.optimizer.lr);
  let rng = overrides.rng ?? createRng(spec.seed);
  let epoch = 0;
  let steps = 0;
  return {
    get rng() {
      return rng;
    },
    get optimizer() {
      return optimizer;
    },
    get step() {
      return steps;
    },
    configure(next) {
      current = resolveSpec(spec, { ...current.overrides, ...next });
      if (next.optimizer || next.lr !== undefined) optimizer = makeOptimizer(current.optimizer);
      schedule = createSchedule(current.schedule, current.optimizer.lr);
      if (next.rng) rng = next.rng;
    },
    restore(state) {
      optimizer.loadState(state);
      steps = state.step;
    },
    loss: (outputs, targets, batch) => lossFunction(current.loss)(outputs, targets, batch),
    update(param, grads, options) {
      if (options.epoch !== undefined) epoch = options.epoch;
      const scheduleStep = current.schedule.kind === 'onecycle' ? steps : epoch;
      applySchedule(optimizer, schedule, scheduleStep);
      if (optimizer.stepInPlace) {
        optimizer.stepInPlace();
        steps++;
        return optimizer.hyper.lr;
      }
      const tensors = names.map(param);
      // A parameter no gradient reached (its layer feeds no loss) gets a zero gradient.
      const gradients = tensors.map(
        (t, idx) => grads.get(names[idx]) ?? new Float32Array(t.length),
      );
      optimizer.step(tensors, gradients);
      steps++;
      return optimizer.hyper.lr;
    },
    nonFinite: (loss, values) => failNonFinite(loss, values),
    evaluate: (count, targets, run) => evaluateAll(current.loss, spec.batch, count, targets, run),
  };
}

interface ResolvedSpec {
  loss: LossKind;
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec;
  overrides: TrainOverrides;
}

function resolveSpec(spec: TrainSpec, overrides: TrainOverrides): ResolvedSpec {
  const base = overrides.optimizer ?? spec.optimizer;
  const optimizer = overrides.lr !== undefined ? { ...base, lr: overrides.lr } : base;
  let schedule = overrides.schedule ?? spec.schedule;
  if (schedule.kind === 'onecycle' && schedule.totalSteps <= 0) {
    const epochs = overrides.epochs ?? spec.epochs;
    schedule = { ...schedule, totalSteps: epochs * (overrides.stepsPerEpoch ?? 1) };
  }
  return { loss: overrides.loss ?? spec.loss, optimizer, schedule, overrides };
}

function failNonFinite(loss: number, values: readonly TracedValue[]): never {
  const bad = values.find(([, value]) => value.some((v) => !Number.isFinite(v)));
  const where = bad
    ? `the output of ${bad[0]} is the first to hold a NaN or an infinity`
    : 'every layer output is finite, so the loss itself overflowed';
  throw new Error(`the loss is ${loss}: ${where}; lower the learning rate or check the inputs`);
}

async function evaluateAll(
  loss: LossKind,
  chunk: number,
  count: number,
  targets: ArrayLike<number>,
  run: (start: number, size: number) => Promise<Float32Array>,
): Promise<Evaluation> {
  // Class-index losses have one target per sample; `mse`/`bce` targets are shaped like the output.
  const perSample = targets.length / count;
  const parts: Float32Array[] = [];
  let total = 0;
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const outputs = await run(start, size);
    const part = Array.prototype.slice.call(targets, start * perSample, (start + size) * perSample);
    total += lossFunction(loss)(outputs, part as number[], size).loss * size;
    parts.push(outputs);
  }
  const scores = concatenate(parts);
  const labels = perSample === 1;
  const metric = (f: typeof accuracy, values = scores) =>
    labels ? f(values, targets, count) : NaN;
  return {
    count,
    loss: total / count,
    accuracy: metric(accuracy),
    precision: metric(precision),
    recall: metric(recall),
    auc: metric(auc, softmaxRows(scores, count)),
    predictions: predictions(scores, count),
  };
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  const result = new Float32Array(parts.reduce((acc, part) => acc + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

/** Row-wise softmax of `[count, classes]` scores, in float64 then stored as float32. */
function softmaxRows(scores: Float32Array, count: number): Float32Array {
  const classes = scores.length / count;
  const result = new Float32Array(scores.length);
  for (let n = 0; n < count; n++) {
    const row = scores.subarray(n * classes, (n + 1) * classes);
    const max = row.reduce((acc, v) => Math.max(acc, v), -Infinity);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    for (let c = 0; c < classes; c++) result[n * classes + c] = Math.exp(row[c] - max) / sum;
  }
  return result;
}
