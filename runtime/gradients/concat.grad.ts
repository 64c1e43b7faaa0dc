// Backward of `concat` along channels: each input's gradient is its block of channels of the
// output gradient, sample by sample.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import type { ConcatDescriptor } from '../kernels/concat.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

interface SliceConstants {
  total: number;
  offset: number;
  size: number;
}

function sliceKernel(this: KernelThis<SliceConstants>, gradOutput: number[]): number {
  const within = this.thread.x % this.constants.size;
  const n = Math.floor(this.thread.x / this.constants.size);
  return gradOutput[n * this.constants.total + this.constants.offset + within];
}

/**
 * Backward of `concat` specialised on `desc`: `(gradOutput, {}, batch) => { inputs }`, input `i`
 * getting `[batch, channels[i], …spatial]` of the `[batch, Σ channels, …spatial]` gradient.
 */
export function concatGrad(
  backend: Backend,
  desc: ConcatDescriptor,
): GradientFn<object, { inputs: Float32Array[] }> {
  const total = desc.channels.reduce((acc, c) => acc + c, 0) * desc.spatial;
  return async (gradOutput, _saved, batch) => {
    expectLength('concat gradient', gradOutput, batch * total);
    const inputs: Float32Array[] = [];
    let offset = 0;
    for (const channels of desc.channels) {
      const size = channels * desc.spatial;
      const kernel = (count: number) =>
        backend.kernel('grad-concat', sliceKernel, { total, offset, size }, count * size);
      inputs.push(
        await runBatched({
          what: 'concat gradient',
          batch,
          kernel,
          args: [split(gradOutput)],
          outputPerSample: size,
        }),
      );
      offset += size;
    }
    return { inputs };
  };
}
