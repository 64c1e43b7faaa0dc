// Upsampling of `[channels, height, width]` by integer factors, as PyTorch's `nn.Upsample` with
// `scale_factor`: `nearest` reads x[⌊o / s⌋]; `bilinear` interpolates between the two inputs
// around the source coordinate, which is `(o + ½)/s − ½` clamped at 0 (`align_corners=false`) or
// `o · (in − 1)/(out − 1)` (`align_corners=true`), as ATen's `area_pixel_compute_source_index`.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';

import type { UpsampleDescriptor } from '../../contract/descriptors.js';
export type { UpsampleDescriptor } from '../../contract/descriptors.js';

/** The constants both kernels read: sizes, the mode (0 nearest, 1 bilinear) and the ratios. */
export type UpsampleConstants = Record<string, number>;

/**
 * The ratio from output to source coordinates per dimension: `1/s` for nearest and for bilinear
 * without aligned corners, `(in − 1)/(out − 1)` (0 for one output) with them.
 */
export function upsampleConstants(desc: UpsampleDescriptor): UpsampleConstants {
  const outHeight = desc.inHeight * desc.scaleHeight;
  const outWidth = desc.inWidth * desc.scaleWidth;
  const aligned = desc.mode === 'bilinear' && desc.alignCorners;
  const ratio = (inSize: number, outSize: number, scale: number) =>
    aligned ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : 1 / scale;
  return {
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight,
    outWidth,
    scaleHeight: desc.scaleHeight,
    scaleWidth: desc.scaleWidth,
    ratioHeight: ratio(desc.inHeight, outHeight, desc.scaleHeight),
    ratioWidth: ratio(desc.inWidth, outWidth, desc.scaleWidth),
    bilinear: desc.mode === 'bilinear' ? 1 : 0,
    aligned: aligned ? 1 : 0,
  };
}

/** The bilinear source coordinate of output index `o` (ATen's rule). */
export function sourceIndex(o: number, ratio: number, aligned: number): number {
  if (aligned > 0.5) return o * ratio;
  const source = (o + 0.5) * ratio - 0.5;
  return source < 0 ? 0 : source;
}

function upsampleKernel(this: KernelThis<UpsampleConstants>, x: number[]): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const plane = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const base = plane * this.constants.inHeight * this.constants.inWidth;
  const inW = this.constants.inWidth;
  if (this.constants.bilinear < 0.5) {
    const ih = Math.min(Math.floor(oh / this.constants.scaleHeight), this.constants.inHeight - 1);
    const iw = Math.min(Math.floor(ow / this.constants.scaleWidth), inW - 1);
    return x[base + ih * inW + iw];
  }
  const sh = sourceIndex(oh, this.constants.ratioHeight, this.constants.aligned);
  const sw = sourceIndex(ow, this.constants.ratioWidth, this.constants.aligned);
  const h0 = Math.floor(sh);
  const w0 = Math.floor(sw);
  const h1 = h0 < this.constants.inHeight - 1 ? h0 + 1 : h0;
  const w1 = w0 < inW - 1 ? w0 + 1 : w0;
  const lh = sh - h0;
  const lw = sw - w0;
  const top = (1 - lw) * x[base + h0 * inW + w0] + lw * x[base + h0 * inW + w1];
  const bottom = (1 - lw) * x[base + h1 * inW + w0] + lw * x[base + h1 * inW + w1];
  return (1 - lh) * top + lh * bottom;
}

/** Upsampling specialised on `desc`: `(input, batch) => output` `[batch, channels, H·s, W·s]`. */
export function upsample(backend: Backend, desc: UpsampleDescriptor): LayerKernel<[Float32Array]> {
  expectPositive('upsample', {
    channels: desc.channels,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    scaleHeight: desc.scaleHeight,
    scaleWidth: desc.scaleWidth,
  });
  const constants = upsampleConstants(desc);
  const perSample = desc.channels * constants.outHeight * constants.outWidth;
  const length = (batch: number) => batch * perSample;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel('upsample', upsampleKernel, { ...constants }, length(batch), [
          sourceIndex,
        ]),
        args: [0],
      },
    ],
    {},
    { what: 'upsample', batched: [0], perSample: length(1) },
  );
}
