// Backward of `normalize`: y = (x − mean) / std per channel, so ∂L/∂x = ∂L/∂y / std. The buffers
// `mean` and `std` are not trained and get no gradient.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import type { NormalizeDescriptor } from '../kernels/normalize.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn, type GradientOptions } from './common.js';

/** What the normalize backward needs: the divisor. */
export interface NormalizeSaved {
  std: Float32Array;
}

/** Gradient of `normalize`: `{ input }`, or `{ input: null }` when no input gradient is asked for. */
export type NormalizeGradient = GradientFn<NormalizeSaved, { input: Float32Array | null }>;

interface Constants {
  channels: number;
  spatial: number;
}

function normalizeBackwardKernel(
  this: KernelThis<Constants>,
  gradOutput: number[],
  std: number[],
): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  return gradOutput[this.thread.x] / std[c];
}

/** Backward of {@link normalize} specialised on `desc`. */
export function normalizeGrad(
  backend: Backend,
  desc: NormalizeDescriptor,
  options: GradientOptions = {},
): NormalizeGradient {
  const constants: Constants = { channels: desc.channels, spatial: desc.spatial };
  const perSample = desc.channels * desc.spatial;
  return async (gradOutput, saved, batch) => {
    expectLength('normalize gradient', gradOutput, batch * perSample);
    expectLength('normalize std', saved.std, desc.channels);
    if (options.inputGradient === false) return { input: null };
    const input = await runBatched({
      what: 'normalize gradient',
      batch,
      kernel: (count) =>
        backend.kernel(
          'grad-normalize',
          normalizeBackwardKernel,
          { ...constants },
          count * perSample,
        ),
      args: [split(gradOutput), saved.std],
      outputPerSample: perSample,
    });
    return { input };
  };
}
