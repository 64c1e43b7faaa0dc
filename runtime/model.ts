// The part of a generated module that is the same for every model: the backend, the parameter
// store with its folded tensors, input checks, weight I/O and disposal. The generated code adds
// the layer kernels and the straight-line `forward` between them.
import { createBackend, type Backend, type BackendMode } from './backend.js';
import {
  foldBatchNorm,
  initParameters,
  readWeights,
  writeWeights,
  type FoldSpec,
  type InitScheme,
  type LoadOptions,
  type ParamSpec,
} from './params.js';

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
}

/** The runtime half of a model, used by generated code only. */
export interface ModelRuntime {
  readonly backend: Backend;
  /** An effective parameter (a stored one, or a folded one) by name. */
  param(name: string): Float32Array;
  /** Throws unless `data` holds `batch` samples of `perSample` values. */
  checkInput(name: string, data: Float32Array, batch: number, perSample: number): void;
  /** The finished model: `extra` (e.g. `forward`) plus {@link ModelBase}. */
  finish<Extra extends object>(extra: Extra): Extra & ModelBase;
}

/** Creates the runtime of a model with parameters `specs` and BatchNorm folds `folds`. */
export function createModelRuntime(
  options: CreateOptions,
  specs: readonly ParamSpec[],
  folds: readonly FoldSpec[],
  model: string,
): ModelRuntime {
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
  };
  return {
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
    finish: (extra) => Object.assign(extra, base),
  };
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
