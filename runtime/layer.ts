// The common shape of a layer kernel: one or more gpu.js kernels ("stages") run in order, exposed as
// `(inputs…, batch) => Promise<Float32Array>` and as stages a fused pipeline can record.
import type { IKernelFunctionThis } from 'gpu.js';
import { checkNoFallback, type GpuKernel } from './backend.js';
import { chunks, expectExact, maxChunk } from './exact.js';

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
  /**
   * The largest batch one launch of `stages(batch)` computes exactly (every argument and output at
   * most 2^24 values); a call with a larger batch runs the stages on groups of samples.
   */
  readonly maxBatch: number;
}

/** How a layer's tensors grow with the batch, so its launches can be kept exact (`exact.ts`). */
export interface BatchLayout {
  /** Names the layer in errors. */
  what: string;
  /** Indices of the inputs that are `[batch, …]` activations; the others (weights) are read whole. */
  batched: readonly number[];
  /** The most values one sample needs in any input, intermediate or output of the stages. */
  perSample: number;
  /** Sizes of the inputs read whole (weights), checked when the layer is created. */
  whole?: Readonly<Record<string, number>>;
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
 * the kernels read instead. `layout` says which inputs are split along the batch when a batch is
 * too large for one exact launch; a sample or weight too large for any launch fails here.
 */
export function makeLayer<Inputs extends readonly (Float32Array | null)[]>(
  outputLength: (batch: number) => number,
  stages: (batch: number) => Stage[],
  defaults: Readonly<Record<number, Float32Array>>,
  layout: BatchLayout,
): LayerKernel<Inputs> {
  const perSample = Math.max(layout.perSample, outputLength(1));
  const maxBatch = maxChunk(layout.what, perSample);
  expectExact(layout.what, layout.whole ?? {});
  const resolveInputs = (inputs: readonly (Float32Array | null)[]): Float32Array[] =>
    inputs.map((input, index) => {
      if (input !== null) return input;
      const filler = defaults[index];
      if (filler === undefined) throw new Error(`input ${index} of this layer must not be null`);
      return filler;
    });
  const launch = async (inputs: Float32Array[], batch: number): Promise<Float32Array> => {
    let previous: Float32Array | undefined;
    for (const stage of stages(batch)) {
      const result = await stage.kernel(...stageArguments(stage, inputs, previous));
      checkNoFallback(stage.kernel);
      previous = toFloat32(result);
    }
    if (previous === undefined) throw new Error('internal error: a layer has no stages');
    return previous;
  };
  const run = async (...args: [...Inputs, number]): Promise<Float32Array> => {
    const batch = args[args.length - 1] as number;
    checkBatch(batch);
    const inputs = resolveInputs(args.slice(0, -1) as (Float32Array | null)[]);
    let limit = maxBatch;
    inputs.forEach((input, index) => {
      if (layout.batched.includes(index)) {
        limit = Math.min(limit, maxChunk(layout.what, input.length / batch));
      } else {
        expectExact(layout.what, { [`input ${index}`]: input.length });
      }
    });
    const parts = chunks(batch, limit);
    if (parts.length === 1) return launch(inputs, batch);
    const outPerSample = outputLength(1);
    const output = new Float32Array(outputLength(batch));
    for (const [start, count] of parts) {
      const views = inputs.map((input, index) => {
        if (!layout.batched.includes(index)) return input;
        const size = input.length / batch;
        return input.subarray(start * size, (start + count) * size);
      });
      output.set(await launch(views, count), start * outPerSample);
    }
    return output;
  };
  return Object.assign(run, { outputLength, stages, resolveInputs, maxBatch });
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
