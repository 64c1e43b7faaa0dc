// Local response normalisation across channels with PyTorch's `LocalResponseNorm` formula:
// y_c = x_c / (k + α/size · Σ_{c' = c − ⌊size/2⌋}^{c + ⌊(size−1)/2⌋} x_{c'}²)^β, out-of-range
// channels counting as zeros (the sum is always divided by `size`).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';
import type { LrnDescriptor } from '../../contract/descriptors.js';
export type { LrnDescriptor } from '../../contract/descriptors.js';

interface LrnConstants {
  channels: number;
  spatial: number;
  size: number;
  before: number;
  alphaOverSize: number;
  beta: number;
  k: number;
}

function lrnKernel(this: KernelThis<LrnConstants>, x: number[]): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  const first = this.thread.x - c * this.constants.spatial;
  let squares = 0;
  for (let i = 0; i < this.constants.size; i++) {
    const neighbour = c - this.constants.before + i;
    if (neighbour >= 0 && neighbour < this.constants.channels) {
      const v = x[first + neighbour * this.constants.spatial];
      squares += v * v;
    }
  }
  const scale = this.constants.k + this.constants.alphaOverSize * squares;
  return x[this.thread.x] / Math.pow(scale, this.constants.beta);
}

/** LRN specialised on `desc`: `(input, batch) => output` of the same shape. */
export function lrn(backend: Backend, desc: LrnDescriptor): LayerKernel<[Float32Array]> {
  const size = desc.size ?? 5;
  expectPositive('lrn', { channels: desc.channels, spatial: desc.spatial, size });
  const constants: LrnConstants = {
    channels: desc.channels,
    spatial: desc.spatial,
    size,
    before: Math.floor(size / 2),
    alphaOverSize: (desc.alpha ?? 1e-4) / size,
    beta: desc.beta ?? 0.75,
    k: desc.k ?? 2,
  };
  const length = (batch: number) => batch * desc.channels * desc.spatial;
  return makeLayer(
    length,
    (batch) => [
      { kernel: backend.kernel('lrn', lrnKernel, { ...constants }, length(batch)), args: [0] },
    ],
    {},
    { what: 'lrn', batched: [0], perSample: length(1) },
  );
}
