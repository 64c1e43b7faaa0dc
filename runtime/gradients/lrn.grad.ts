// Backward of local response normalisation (PyTorch `LocalResponseNorm`). With
// s_c = k + α/n · Σ_{c′ ∈ win(c)} x_c′² and y_c = x_c · s_c^(−β):
// dx_j = gy_j · s_j^(−β) − (2αβ/n) · x_j · Σ_{c : j ∈ win(c)} gy_c · x_c · s_c^(−β−1).
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { expectPositive } from '../kernels/conv-util.js';
import type { LrnDescriptor } from '../kernels/lrn.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

type Constants = Record<string, number>;

// One thread per input cell j; the scales s_c are recomputed inline (the webasm backend passes
// no arrays to helper functions).
function lrnGradKernel(this: KernelThis<Constants>, gradOutput: number[], x: number[]): number {
  const j = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  const first = this.thread.x - j * this.constants.spatial;
  let own = 0;
  for (let i = 0; i < this.constants.size; i++) {
    const neighbour = j - this.constants.before + i;
    if (neighbour >= 0 && neighbour < this.constants.channels) {
      const v = x[first + neighbour * this.constants.spatial];
      own += v * v;
    }
  }
  own = this.constants.k + this.constants.alphaOverSize * own;
  let cross = 0;
  // Channels c whose window [c − before, c + after] holds j: c ∈ [j − after, j + before].
  for (let i = 0; i < this.constants.size; i++) {
    const c = j - this.constants.after + i;
    if (c >= 0 && c < this.constants.channels) {
      let squares = 0;
      for (let m = 0; m < this.constants.size; m++) {
        const neighbour = c - this.constants.before + m;
        if (neighbour >= 0 && neighbour < this.constants.channels) {
          const v = x[first + neighbour * this.constants.spatial];
          squares += v * v;
        }
      }
      const s = this.constants.k + this.constants.alphaOverSize * squares;
      const at = first + c * this.constants.spatial;
      cross += (gradOutput[at] * x[at]) / Math.pow(s, this.constants.beta + 1);
    }
  }
  return (
    gradOutput[this.thread.x] / Math.pow(own, this.constants.beta) -
    2 * this.constants.alphaOverSize * this.constants.beta * x[this.thread.x] * cross
  );
}

/**
 * Backward of `lrn` specialised on `desc`: `(gradOutput, { input }, batch) => { input }`, flat
 * `[batch, channels, …spatial]`, defaults as the forward (`size=5, alpha=1e-4, beta=0.75, k=2`).
 */
export function lrnGrad(
  backend: Backend,
  desc: LrnDescriptor,
): GradientFn<{ input: Float32Array }, { input: Float32Array }> {
  const size = desc.size ?? 5;
  expectPositive('lrn', { channels: desc.channels, spatial: desc.spatial, size });
  const constants: Constants = {
    channels: desc.channels,
    spatial: desc.spatial,
    size,
    before: Math.floor(size / 2),
    after: Math.floor((size - 1) / 2),
    alphaOverSize: (desc.alpha ?? 1e-4) / size,
    beta: desc.beta ?? 0.75,
    k: desc.k ?? 2,
  };
  return async (gradOutput, saved, batch) => {
    const length = batch * desc.channels * desc.spatial;
    expectLength('lrn gradient', gradOutput, length);
    expectLength('lrn gradient input', saved.input, length);
    const perSample = desc.channels * desc.spatial;
    const input = await runBatched({
      what: 'lrn gradient',
      batch,
      kernel: (count) => backend.kernel('grad-lrn', lrnGradKernel, constants, count * perSample),
      args: [split(gradOutput), split(saved.input)],
      outputPerSample: perSample,
    });
    return { input };
  };
}
