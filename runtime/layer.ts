// The common shape of a layer kernel: one or more gpu.js kernels ("stages") run in order, exposed as
// `(inputs…, batch) => Promise<Float32Array>` and as stages a fused pipeline can record.
import type { IKernelFunctionThis } from 'gpu.js';
import { checkNoFallback, type GpuKernel } from './backend.js';

/** `this` inside a kernel function: `this.thread.x` is the flat output index. */
export type KernelThis<Constants> = IKernelFunctionThis<Constants>;

/** Where a stage argument comes from: an index into the layer's inputs, or the previous stage. */
export type StageArg = number | 'previous';

/** One gpu.js kernel call of a layer. */
export interface Stage {
  kernel: GpuKernel;
  args: readonly StageArg[];
}

/**
 * A layer kernel specialised on one descriptor. Called as `layer(input…, batch)`: every input and
 * the result are flat `Float32Array`s (activations in NCHW order, `[batch, channels, height, width]`).
 * The result is a Promise because threaded webasm and webgpu kernels are asynchronous.
 */
export interface LayerKernel<Inputs extends readonly (Float32Array | null)[]> {
  (...args: [...Inputs, number]): Promise<Float32Array>;
  /** Length of the flat output for `batch` samples. */
  outputLength(batch: number): number;
  /** The gpu.js kernels for `batch` (from the backend's cache) and how their arguments are wired. */
  stages(batch: number): Stage[];
  /** Inputs with each `null` (an absent bias) replaced by the zeros the kernels read instead. */
  resolveInputs(inputs: readonly (Float32Array | null)[]): Float32Array[];
}

/** Arguments of one stage, resolved from the layer inputs and the previous stage's result. */
export function stageArguments<T>(
  stage: Stage,
  inputs: readonly T[],
  previous: T | undefined,
): T[] {
  return stage.args.map((arg) => {
    if (arg !== 'previous') return inputs[arg];
    if (previous === undefined) throw new Error('internal error: first stage reads `previous`');
    return previous;
  });
}

/**
 * Builds a {@link LayerKernel} from its output length and its stages per batch size. `defaults`
 * maps the index of an input that may be `null` (an absent bias or affine weight) to the values
 * the kernels read instead.
 */
export function makeLayer<Inputs extends readonly (Float32Array | null)[]>(
  outputLength: (batch: number) => number,
  stages: (batch: number) => Stage[],
  defaults: Readonly<Record<number, Float32Array>> = {},
): LayerKernel<Inputs> {
  const resolveInputs = (inputs: readonly (Float32Array | null)[]): Float32Array[] =>
    inputs.map((input, index) => {
      if (input !== null) return input;
      const filler = defaults[index];
      if (filler === undefined) throw new Error(`input ${index} of this layer must not be null`);
      return filler;
    });
  const run = async (...args: [...Inputs, number]): Promise<Float32Array> => {
    const batch = args[args.length - 1] as number;
    checkBatch(batch);
    const inputs = resolveInputs(args.slice(0, -1) as (Float32Array | null)[]);
    let previous: Float32Array | undefined;
    for (const stage of stages(batch)) {
      const result = await stage.kernel(...stageArguments(stage, inputs, previous));
      checkNoFallback(stage.kernel);
      previous = toFloat32(result);
    }
    if (previous === undefined) throw new Error('internal error: a layer has no stages');
    return previous;
  };
  return Object.assign(run, { outputLength, stages, resolveInputs });
}

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`batch must be a positive integer, found ${batch}`);
  }
}

/** A kernel result as a fresh flat `Float32Array` (textures are read back; copies are not shared). */
export function toFloat32(result: unknown): Float32Array {
  if (result instanceof Float32Array) return result;
  const readable = result as { toArray?: () => unknown };
  if (typeof readable.toArray === 'function')
    return Float32Array.from(readable.toArray() as number[]);
  throw new Error('internal error: a kernel returned a multi-dimensional result, expected 1-D');
}
