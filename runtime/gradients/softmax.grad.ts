// Backward of softmax over channels: gx_c = y_c · (gy_c − Σ_c′ gy_c′ · y_c′) at each position.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import type { SoftmaxDescriptor } from '../kernels/softmax.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

interface SoftmaxConstants {
  channels: number;
  spatial: number;
}

function softmaxGradKernel(
  this: KernelThis<SoftmaxConstants>,
  gradOutput: number[],
  y: number[],
): number {
  const position = this.thread.x % this.constants.spatial;
  const n = Math.floor(this.thread.x / (this.constants.spatial * this.constants.channels));
  const base = n * this.constants.channels * this.constants.spatial + position;
  let dot = 0;
  for (let c = 0; c < this.constants.channels; c++) {
    const at = base + c * this.constants.spatial;
    dot += gradOutput[at] * y[at];
  }
  return y[this.thread.x] * (gradOutput[this.thread.x] - dot);
}

/**
 * Backward of `softmax` specialised on `desc`: `(gradOutput, { output }, batch) => { input }`, where
 * `output` is the forward's result, all `[batch, channels, …spatial]` flat. (With a cross-entropy
 * loss prefer the fused `crossEntropy`, which is exact for large logits.)
 */
export function softmaxGrad(
  backend: Backend,
  desc: SoftmaxDescriptor,
): GradientFn<{ output: Float32Array }, { input: Float32Array }> {
  const constants = { channels: desc.channels, spatial: desc.spatial };
  return async (gradOutput, saved, batch) => {
    const length = batch * desc.channels * desc.spatial;
    expectLength('softmax gradient', gradOutput, length);
    expectLength('softmax gradient output', saved.output, length);
    const perSample = desc.channels * desc.spatial;
    const input = await runBatched({
      what: 'softmax gradient',
      batch,
      kernel: (count) =>
        backend.kernel('grad-softmax', softmaxGradKernel, constants, count * perSample),
      args: [split(gradOutput), split(saved.output)],
      outputPerSample: perSample,
    });
    return { input };
  };
}
