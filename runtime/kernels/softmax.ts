// Softmax over channels, numerically stable: exp(x − max) / Σ exp(x − max), computed per output
// element (each thread rescans its channel column, which is cheap for the channel counts of CNNs).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';
import type { SoftmaxDescriptor } from '../../contract/descriptors.js';
export type { SoftmaxDescriptor } from '../../contract/descriptors.js';

interface SoftmaxConstants {
  channels: number;
  spatial: number;
}

function softmaxKernel(this: KernelThis<SoftmaxConstants>, x: number[]): number {
  const position = this.thread.x % this.constants.spatial;
  const n = Math.floor(this.thread.x / (this.constants.spatial * this.constants.channels));
  const base = n * this.constants.channels * this.constants.spatial + position;
  let largest = -3.4e38;
  for (let c = 0; c < this.constants.channels; c++) {
    largest = Math.max(largest, x[base + c * this.constants.spatial]);
  }
  let total = 0;
  for (let c = 0; c < this.constants.channels; c++) {
    total += Math.exp(x[base + c * this.constants.spatial] - largest);
  }
  return Math.exp(x[this.thread.x] - largest) / total;
}

/** Softmax specialised on `desc`: `(input, batch) => output` of the same shape. */
export function softmax(backend: Backend, desc: SoftmaxDescriptor): LayerKernel<[Float32Array]> {
  expectPositive('softmax', { channels: desc.channels, spatial: desc.spatial });
  const constants: SoftmaxConstants = { channels: desc.channels, spatial: desc.spatial };
  const length = (batch: number) => batch * desc.channels * desc.spatial;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel('softmax', softmaxKernel, { ...constants }, length(batch)),
        args: [0],
      },
    ],
    {},
    { what: 'softmax', batched: [0], perSample: length(1) },
  );
}
