// The part of a generated module that is the same for every model: the backend, the parameter
// store with its folded tensors, input checks, weight I/O and disposal. The generated code adds
// the layer kernels and the straight-line `forward` between them.
import { createBackend, type Backend, type BackendMode } from './backend.js';
import { forwardBuffers, type ForwardBuffers } from './buffers.js';
import {
  checkParameterSizes,
  foldBatchNorm,
  initParameters,
  readWeights,
  writeWeights,
  type FoldSpec,
  type InitScheme,
  type LoadOptions,
  type ParamSpec,
} from './params.js';
import {
  createTrainer,
  type TrainingBase,
  type Trainer,
  type TrainOverrides,
  type TrainSpec,
} from './training.js';

/** Options of a generated module's `create`. */
export interface CreateOptions {
  /** gpu.js mode; `webasm` in Node and `gpu` in browsers by default. */
  mode?: BackendMode;
  /** Worker threads on webasm (default: where available). */
  threads?: boolean;
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
  /** Initialisation scheme (default `pytorch`). */
  init?: InitScheme;
  /** A safetensors file to load instead of initialising. */
  weights?: Uint8Array;
  /** Options for loading `weights`. */
  load?: LoadOptions;
  /** Share an existing backend (and its kernel cache); it is not disposed with the model. */
  backend?: Backend;
  /** Overrides of the model's `train` section (loss, optimizer, learning rate, schedule). */
  train?: TrainOverrides;
}

/** What every generated model offers besides `forward`. */
export interface ModelBase {
  readonly backend: Backend;
  /** The parameters and buffers by PyTorch `state_dict` name (live tensors, NCHW layouts). */
  parameters(): ReadonlyMap<string, Float32Array>;
  /** Loads safetensors weights; throws a `SafetensorsError` naming a missing or misshapen tensor. */
  loadWeights(bytes: Uint8Array, options?: LoadOptions): void;
  /** Saves every parameter and buffer as F32 safetensors in PyTorch naming. */
  saveWeights(): Uint8Array;
  /** Releases kernels and worker pools (unless the backend was passed in). */
  dispose(): Promise<void>;
  /**
   * Bytes of value buffers the inference forward has allocated so far: the memory plan's slots,
   * once per batch size (gpu.js's own transient kernel results are not counted; see buffers.ts).
   */
  bufferBytes(): number;
}

/** The runtime half of a model, used by generated code only. */
export interface ModelRuntime {
  readonly backend: Backend;
  /** An effective parameter (a stored one, or a folded one) by name. */
  param(name: string): Float32Array;
  /** Throws unless `data` holds `batch` samples of `perSample` values. */
  checkInput(name: string, data: Float32Array, batch: number, perSample: number): void;
  /** The forward's value buffers, one per memory-plan slot of `perSample` values per sample. */
  buffers(perSample: readonly number[]): ForwardBuffers;
  /** The finished model: `extra` (e.g. `forward`) plus {@link ModelBase}. */
  finish<Extra extends object>(extra: Extra): Extra & ModelBase;
  /** Whether the model is in training mode (`train()`), which `forward` reads. */
  readonly training: boolean;
  /** The trainer of `spec` over the model's trainable parameters (weights, biases, γ, β). */
  trainer(spec: TrainSpec): Trainer;
  /** The finished trainable model: `extra` plus {@link ModelBase} and {@link TrainingBase}. */
  finishTraining<Extra extends object>(
    extra: Extra,
    trainer: Trainer,
  ): Extra & ModelBase & TrainingBase;
  /** Copies a new value (a BatchNorm running statistic) into the stored tensor `name`. */
  setBuffer(name: string, value: Float32Array): void;
  /** Recomputes the folded tensors after the parameters changed in place. */
  refresh(): void;
  /** The elementwise sum of gradients of one value used several times (fan-out). */
  sum(parts: readonly Float32Array[]): Float32Array;
  /**
   * Adds the gradient `value` of parameter `name` to `grads` (summing when it is already there).
   * A `null` is an error: the compiler only collects gradients its rules declare, and a rule
   * declares a parameter without one (a running statistic) by not collecting it at all.
   */
  collect(grads: Map<string, Float32Array>, name: string, value: Float32Array | null): void;
  /**
   * The input gradient a backward returned (typed `| null` because it can be skipped): the
   * compiler reads it only where it asked for one, so a `null` is an error.
   */
  inputGradient(value: Float32Array | null): Float32Array;
}

/** Creates the runtime of a model with parameters `specs` and BatchNorm folds `folds`. */
export function createModelRuntime(
  options: CreateOptions,
  specs: readonly ParamSpec[],
  folds: readonly FoldSpec[],
  model: string,
): ModelRuntime {
  checkParameterSizes(specs);
  const backend =
    options.backend ??
    createBackend({
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
  let values = options.weights
    ? readWeights(options.weights, specs, options.load)
    : initParameters(specs, options.init ?? 'pytorch', options.seed ?? 0);
  let effective = withFolds(values, folds);
  let training = false;
  const pools: ForwardBuffers[] = [];
  const trainable = specs
    .filter((spec) => ['weight', 'bias', 'gamma', 'beta'].includes(spec.role))
    .map((spec) => spec.name);
  const base: ModelBase = {
    backend,
    parameters: () => values,
    loadWeights(bytes, loadOptions) {
      values = readWeights(bytes, specs, loadOptions);
      effective = withFolds(values, folds);
    },
    saveWeights: () => writeWeights(specs, values, { cnnc_model: model }),
    dispose: async () => {
      if (!options.backend) await backend.dispose();
    },
    bufferBytes: () => pools.reduce((acc, pool) => acc + pool.allocatedBytes, 0),
  };
  const runtime: ModelRuntime = {
    backend,
    param(name) {
      const value = effective.get(name);
      if (!value) throw new Error(`internal error: no parameter \`${name}\``);
      return value;
    },
    checkInput(name, data, batch, perSample) {
      if (!Number.isInteger(batch) || batch < 1)
        throw new Error(`batch must be a positive integer, found ${batch}`);
      if (!(data instanceof Float32Array) || data.length !== batch * perSample)
        throw new Error(
          `input \`${name}\` needs ${batch} × ${perSample} = ${batch * perSample} values, found ${data.length}`,
        );
    },
    buffers(perSample) {
      const pool = forwardBuffers(perSample);
      pools.push(pool);
      return pool;
    },
    finish: (extra) => Object.assign(extra, base),
    get training() {
      return training;
    },
    trainer: (spec) => createTrainer(spec, trainable, options.train),
    finishTraining(extra, trainer) {
      const modes = {
        train: () => void (training = true),
        eval: () => void (training = false),
        configureTraining: (overrides: TrainOverrides) => trainer.configure(overrides),
        optimizerState: () => ({ state: trainer.optimizer.state(), parameters: [...trainable] }),
        loadOptimizerState: (state: Parameters<TrainingBase['loadOptimizerState']>[0]) =>
          trainer.restore(state),
      };
      const model = Object.assign(extra, base, modes);
      return Object.defineProperties(model, {
        training: { get: () => training, enumerable: true },
        optimizer: { get: () => trainer.optimizer, enumerable: true },
        step: { get: () => trainer.step, enumerable: true },
      }) as typeof model & TrainingBase;
    },
    setBuffer(name, value) {
      const stored = values.get(name);
      if (!stored || stored.length !== value.length)
        throw new Error(`internal error: no buffer \`${name}\` of ${value.length} values`);
      stored.set(value);
    },
    refresh() {
      if (folds.length > 0) effective = withFolds(values, folds);
    },
    sum: sumAll,
    collect(grads, name, value) {
      if (value === null)
        throw new Error(`internal error: the backward returned no gradient for \`${name}\``);
      const previous = grads.get(name);
      grads.set(name, previous ? sumAll([previous, value]) : value);
    },
    inputGradient(value) {
      if (value === null)
        throw new Error('internal error: the backward returned no input gradient');
      return value;
    },
  };
  return runtime;
}

function sumAll(parts: readonly Float32Array[]): Float32Array {
  const result = parts[0].slice();
  for (const part of parts.slice(1))
    for (let idx = 0; idx < part.length; idx++) result[idx] += part[idx];
  return result;
}

function withFolds(
  values: ReadonlyMap<string, Float32Array>,
  folds: readonly FoldSpec[],
): Map<string, Float32Array> {
  const effective = new Map(values);
  for (const fold of folds) {
    const [weight, bias] = foldBatchNorm(fold, values);
    effective.set(fold.weightOut, weight);
    effective.set(fold.biasOut, bias);
  }
  return effective;
}
