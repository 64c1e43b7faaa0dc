// `normalize`: y = (x − mean) / std per channel, with `mean` and `std` buffers (given in the
// source or learnt from the training data by `cnnc train`, as Keras's `Normalization.adapt`).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';
import type { NormalizeDescriptor } from '../../contract/descriptors.js';
export type { NormalizeDescriptor } from '../../contract/descriptors.js';

interface NormalizeConstants {
  channels: number;
  spatial: number;
}

function normalizeKernel(
  this: KernelThis<NormalizeConstants>,
  x: number[],
  mean: number[],
  std: number[],
): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  return (x[this.thread.x] - mean[c]) / std[c];
}

/** Per-channel normalisation specialised on `desc`: `(input, mean, std, batch) => output`. */
export function normalize(
  backend: Backend,
  desc: NormalizeDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array]> {
  expectPositive('normalize', { channels: desc.channels, spatial: desc.spatial });
  const constants: NormalizeConstants = { channels: desc.channels, spatial: desc.spatial };
  const length = (batch: number) => batch * desc.channels * desc.spatial;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel('normalize', normalizeKernel, { ...constants }, length(batch)),
        args: [0, 1, 2],
      },
    ],
    {},
    { what: 'normalize', batched: [0], perSample: length(1) },
  );
}
