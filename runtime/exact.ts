// Keeping every gpu.js kernel exact: gpu.js computes flat indices in float32 on its WebAssembly path
// (`%`, `/` and every local are f32 there) and in WebGL, so an index at or past 2^24 reads the wrong
// element without any error. cnnc therefore never gives one kernel launch an argument or an output
// of more than 2^24 values: a launch over a larger batch is split into launches over groups of
// samples (subarray views of the batched tensors), whose outputs are concatenated (per-sample
// results) or summed (reductions over the batch, such as weight gradients). A tensor that cannot
// be split that way (one sample, or a weight, larger than 2^24 values) fails when the layer is
// created. See docs/runtime.md, "Exact indices".
import { checkNoFallback, type GpuKernel } from './backend.js';
import { toFloat32 } from './layer.js';

/** The most values one kernel argument or output may have: every index below it is exact in f32. */
export const MAX_KERNEL_VALUES = 2 ** 24;

/**
 * Throws, naming the layer, unless every tensor of `sizes` (name → values) fits one kernel launch.
 * Called when a layer is created, with its per-sample sizes and its weights.
 */
export function expectExact(what: string, sizes: Readonly<Record<string, number>>): void {
  for (const [name, values] of Object.entries(sizes)) {
    if (values > MAX_KERNEL_VALUES) {
      throw new Error(
        `${what}: ${name} has ${values} values, more than the ${MAX_KERNEL_VALUES} (2^24) one ` +
          `gpu.js kernel indexes exactly (float32 indices); split the layer or use smaller tensors`,
      );
    }
  }
}

/** The largest number of samples one launch may take when a sample needs `perSample` values. */
export function maxChunk(what: string, perSample: number): number {
  expectExact(what, { 'one sample': perSample });
  return Math.max(1, Math.floor(MAX_KERNEL_VALUES / Math.max(1, perSample)));
}

/**
 * Splits `batch` samples into launches of at most `limit` samples, as evenly as possible (so at most
 * two kernel sizes are built): `[start, count]` pairs.
 */
export function chunks(batch: number, limit: number): [number, number][] {
  const parts = Math.ceil(batch / limit);
  const size = Math.ceil(batch / parts);
  const result: [number, number][] = [];
  for (let start = 0; start < batch; start += size)
    result.push([start, Math.min(size, batch - start)]);
  return result;
}

/** A kernel argument split along the batch (`[batch, …]`, flat); other arguments are read whole. */
export interface Split {
  readonly split: Float32Array;
}

/** Marks `data` (`[batch, …]`, flat) as split along the batch by {@link runBatched}. */
export function split(data: Float32Array): Split {
  return { split: data };
}

/** One kernel run over a batch by {@link runBatched}. */
export interface BatchedLaunch {
  /** Names the layer in errors. */
  what: string;
  batch: number;
  /** The kernel for a launch over `count` samples (from the backend's cache). */
  kernel: (count: number) => GpuKernel;
  args: readonly (Float32Array | Split)[];
  /**
   * Values per sample of the output, which is `[batch, …]` and concatenated; omit it when the
   * output is a sum over the batch (a weight or bias gradient), which is summed over the launches.
   */
  outputPerSample?: number;
}

/**
 * Runs `launch.kernel` over the batch in as few launches as keep every argument and output at or
 * below 2^24 values (one launch when the whole batch fits), refusing a cpu fallback.
 */
export async function runBatched(launch: BatchedLaunch): Promise<Float32Array> {
  const { what, batch, args, outputPerSample } = launch;
  let perSample = outputPerSample ?? 0;
  for (const arg of args) {
    if (arg instanceof Float32Array) expectExact(what, { 'a whole argument': arg.length });
    else perSample = Math.max(perSample, arg.split.length / batch);
  }
  const parts = chunks(batch, maxChunk(what, perSample));
  const run = async (start: number, count: number): Promise<Float32Array> => {
    const kernel = launch.kernel(count);
    const views = args.map((arg) => {
      if (arg instanceof Float32Array) return arg;
      const size = arg.split.length / batch;
      return parts.length === 1
        ? arg.split
        : arg.split.subarray(start * size, (start + count) * size);
    });
    const result = toFloat32(await kernel(...views));
    checkNoFallback(kernel);
    return result;
  };
  if (parts.length === 1) return run(0, batch);
  let total: Float32Array | null = null;
  for (const [start, count] of parts) {
    const part = await run(start, count);
    if (outputPerSample !== undefined) {
      total ??= new Float32Array(batch * outputPerSample);
      total.set(part, start * outputPerSample);
    } else if (total === null) {
      total = Float32Array.from(part);
    } else {
      for (let idx = 0; idx < part.length; idx++) total[idx] += part[idx];
    }
  }
  return total as Float32Array;
}

/**
 * Runs an elementwise kernel (output cell `i` reads only cell `i` of each argument) over tensors of
 * any length, in launches of at most 2^24 values; `kernel(length)` builds it for one launch.
 */
export function runElementwise(
  what: string,
  kernel: (length: number) => GpuKernel,
  ...args: Float32Array[]
): Promise<Float32Array> {
  const length = args[0].length;
  return runBatched({ what, batch: length, kernel, args: args.map(split), outputPerSample: 1 });
}
