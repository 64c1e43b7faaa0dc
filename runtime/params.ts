// The parameter store of a generated module: PyTorch `state_dict` names to flat `Float32Array`s,
// seeded initialisation, safetensors load/save, and the derived tensors the compiler asks for
// (BatchNorm folded into the preceding convolution or linear layer).
import {
  isFloatDtype,
  readSafetensors,
  SafetensorsError,
  writeSafetensors,
} from './safetensors.js';
import { createRng, glorotInit, heInit, normalArray, pytorchDefaultInit, type Rng } from './rng.js';
import { shapeSize } from './tensor.js';

/** What a tensor is for; decides its initial value. */
export type ParamRole =
  | 'weight'
  | 'bias'
  | 'gamma'
  | 'beta'
  | 'running_mean'
  | 'running_var'
  /** `normalize`'s buffers: subtracted, then divided by. */
  | 'mean'
  | 'std';

/** One tensor of a model, e.g. `{ name: '0.0.weight', shape: [6, 1, 5, 5], role: 'weight' }`. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
  /** For a weight: the name of its bias, drawn right after it (PyTorch's order). */
  readonly bias?: string;
  /** A buffer's fixed initial values, one per element (`normalize(mean=…, std=…)`). */
  readonly values?: readonly number[];
}

/** A BatchNorm folded into the layer before it: `w' = w·γ/√(var+ε)`, `b' = (b − mean)·γ/√(var+ε) + β`. */
export interface FoldSpec {
  /** Names of the derived weight and bias. */
  readonly weightOut: string;
  readonly biasOut: string;
  readonly weight: string;
  readonly bias: string | null;
  readonly gamma: string | null;
  readonly beta: string | null;
  readonly mean: string;
  readonly variance: string;
  readonly eps: number;
}

/**
 * Weight initialisation schemes: PyTorch's `reset_parameters`, He (Kaiming normal), Glorot
 * (Xavier uniform), or `{ normal: std }` (weights drawn from N(0, std²), as `nn.init.normal_`).
 */
export type InitScheme = 'pytorch' | 'he' | 'glorot' | { readonly normal: number };

/** Options of `loadWeights`. */
export interface LoadOptions {
  /** Maps names in the file to this model's names (e.g. `{ 'conv1.weight': '0.0.weight' }`). */
  rename?: Readonly<Record<string, string>> | ((name: string) => string);
  /** Reject tensors this model does not have (default true; `num_batches_tracked` is always ignored). */
  strict?: boolean;
}

/**
 * The most values one parameter may hold: 2^28 (1 GiB of float32; VGG-16's largest weight has
 * 102,760,448). Larger tensors would fail with `Invalid typed array length` or exhaust memory
 * halfway through allocation; `create` refuses them first.
 */
export const MAX_PARAMETER_VALUES = 2 ** 28;

/** The most values all parameters and buffers together may hold: 2^30 (4 GiB of float32). */
export const MAX_MODEL_VALUES = 2 ** 30;

/** Throws before any allocation when a parameter, or all of them, exceed the limits above. */
export function checkParameterSizes(specs: readonly ParamSpec[]): void {
  const count = (n: number) => n.toLocaleString('en-US');
  let total = 0;
  for (const spec of specs) {
    const values = shapeSize(spec.shape);
    total += values;
    if (!(values <= MAX_PARAMETER_VALUES))
      throw new Error(
        `parameter \`${spec.name}\` [${spec.shape.join(', ')}] has ${count(values)} values ` +
          `(${count(values * 4)} bytes as float32); a parameter may hold at most ${count(MAX_PARAMETER_VALUES)}`,
      );
  }
  if (!(total <= MAX_MODEL_VALUES))
    throw new Error(
      `the parameters hold ${count(total)} values (${count(total * 4)} bytes as float32); ` +
        `a model may hold at most ${count(MAX_MODEL_VALUES)}`,
    );
}

/** Draws every tensor of `specs` from a generator seeded with `seed`, in spec order. */
export function initParameters(
  specs: readonly ParamSpec[],
  scheme: InitScheme,
  seed: number,
): Map<string, Float32Array> {
  const rng = createRng(seed);
  const values = new Map<string, Float32Array>();
  for (const spec of specs) {
    if (values.has(spec.name)) continue;
    if (spec.role === 'weight') initWeight(rng, spec, specs, scheme, values);
    else values.set(spec.name, constantFor(spec));
  }
  return values;
}

function constantFor(spec: ParamSpec): Float32Array {
  if (spec.values) return Float32Array.from(spec.values);
  // An unadapted `normalize` is the identity until `cnnc train` (or loaded weights) sets it.
  const fill = spec.role === 'gamma' || spec.role === 'running_var' || spec.role === 'std' ? 1 : 0;
  return new Float32Array(shapeSize(spec.shape)).fill(fill);
}

function initWeight(
  rng: Rng,
  spec: ParamSpec,
  specs: readonly ParamSpec[],
  scheme: InitScheme,
  values: Map<string, Float32Array>,
): void {
  const biasSpec = spec.bias ? specs.find((other) => other.name === spec.bias) : undefined;
  if (scheme === 'pytorch') {
    // NOTE: the bias length comes from the bias's own spec: a transposed convolution's weight is
    // `[in, out/groups, kh, kw]`, so `shape[0]` is not its bias length.
    const biasLength = biasSpec ? shapeSize(biasSpec.shape) : 0;
    const drawn = pytorchDefaultInit(rng, spec.shape, biasSpec !== undefined, biasLength);
    values.set(spec.name, drawn.weight);
    if (biasSpec && drawn.bias) values.set(biasSpec.name, drawn.bias);
    return;
  }
  // He, Glorot and normal draw the weight only; biases start at zero, as is usual with them.
  values.set(spec.name, drawWeight(rng, spec.shape, scheme));
  if (biasSpec) values.set(biasSpec.name, constantFor(biasSpec));
}

function drawWeight(
  rng: Rng,
  shape: readonly number[],
  scheme: Exclude<InitScheme, 'pytorch'>,
): Float32Array {
  if (scheme === 'he') return heInit(rng, shape);
  if (scheme === 'glorot') return glorotInit(rng, shape);
  return normalArray(rng, shapeSize(shape), 0, scheme.normal);
}

/** Computes the folded weight and bias of `fold` from `values`; `outChannels` is dimension 0. */
export function foldBatchNorm(
  fold: FoldSpec,
  values: ReadonlyMap<string, Float32Array>,
): [Float32Array, Float32Array] {
  const need = (name: string): Float32Array => {
    const value = values.get(name);
    if (!value) throw new Error(`internal error: parameter \`${name}\` is missing`);
    return value;
  };
  const weight = need(fold.weight);
  const mean = need(fold.mean);
  const variance = need(fold.variance);
  const channels = mean.length;
  const perChannel = weight.length / channels;
  const outWeight = new Float32Array(weight.length);
  const outBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const gamma = fold.gamma ? need(fold.gamma)[c] : 1;
    const beta = fold.beta ? need(fold.beta)[c] : 0;
    const bias = fold.bias ? need(fold.bias)[c] : 0;
    const scale = gamma / Math.sqrt(variance[c] + fold.eps);
    for (let k = 0; k < perChannel; k++)
      outWeight[c * perChannel + k] = weight[c * perChannel + k] * scale;
    outBias[c] = (bias - mean[c]) * scale + beta;
  }
  return [outWeight, outBias];
}

function renamer(rename: LoadOptions['rename']): (name: string) => string {
  if (!rename) return (name) => name;
  if (typeof rename === 'function') return rename;
  return (name) => rename[name] ?? name;
}

/**
 * Reads a safetensors file into a new map of this model's tensors, checking that every tensor is
 * present, floating-point and of exactly the right shape (a transposed `[in, out]` weight is an
 * error, not a reinterpretation). Throws a `SafetensorsError` naming the problem.
 */
export function readWeights(
  bytes: Uint8Array,
  specs: readonly ParamSpec[],
  options: LoadOptions = {},
): Map<string, Float32Array> {
  const file = readSafetensors(bytes);
  const rename = renamer(options.rename);
  const byName = new Map<string, { shape: number[]; data: Float32Array }>();
  const known = new Set(specs.map((spec) => spec.name));
  for (const [name, tensor] of file.tensors) {
    if (name.endsWith('num_batches_tracked')) continue;
    const target = rename(name);
    if (!known.has(target) && options.strict !== false)
      throw new SafetensorsError(
        `safetensors: unexpected tensor \`${name}\` (this model has no such parameter)`,
      );
    const dtype = file.dtypes.get(name);
    if (known.has(target) && dtype && !isFloatDtype(dtype))
      throw new SafetensorsError(
        `safetensors: tensor \`${name}\` has dtype ${dtype}, but a parameter must be F32, F64, F16 or BF16`,
      );
    byName.set(target, tensor);
  }
  const values = new Map<string, Float32Array>();
  for (const spec of specs) {
    const tensor = byName.get(spec.name);
    if (!tensor) throw new SafetensorsError(`safetensors: missing tensor \`${spec.name}\``);
    if (!sameShape(tensor.shape, spec.shape))
      throw new SafetensorsError(
        `safetensors: tensor \`${spec.name}\` has shape [${tensor.shape.join(', ')}], expected [${spec.shape.join(', ')}]`,
      );
    values.set(spec.name, Float32Array.from(tensor.data));
  }
  return values;
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  return actual.length === expected.length && actual.every((dim, idx) => dim === expected[idx]);
}

/** Writes `values` as F32 safetensors in spec order. */
export function writeWeights(
  specs: readonly ParamSpec[],
  values: ReadonlyMap<string, Float32Array>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = specs.map((spec): [string, { shape: number[]; data: Float32Array }] => [
    spec.name,
    { shape: [...spec.shape], data: values.get(spec.name) ?? new Float32Array(0) },
  ]);
  return writeSafetensors(entries, { format: 'pt', ...metadata });
}
