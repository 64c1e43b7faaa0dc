// Adaptive (and global) 2-D average and max pooling with PyTorch's window formulas:
// window o of an output of size O over an input of size I spans [floor(o·I/O), ceil((o+1)·I/O)).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';
import type { AdaptivePool2dDescriptor } from '../../contract/descriptors.js';
export type { AdaptivePool2dDescriptor } from '../../contract/descriptors.js';

interface AdaptiveConstants {
  kind: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  maxWindowHeight: number;
  maxWindowWidth: number;
}

/** The largest adaptive window along a dimension: the constant loop bound of the kernel. */
export function maxAdaptiveWindow(inSize: number, outSize: number): number {
  let widest = 0;
  for (let o = 0; o < outSize; o++) {
    const start = Math.floor((o * inSize) / outSize);
    const end = Math.ceil(((o + 1) * inSize) / outSize);
    widest = Math.max(widest, end - start);
  }
  return widest;
}

function adaptiveKernel(this: KernelThis<AdaptiveConstants>, x: number[]): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const plane = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const h0 = Math.floor((oh * this.constants.inHeight) / this.constants.outHeight);
  const h1 = Math.ceil(((oh + 1) * this.constants.inHeight) / this.constants.outHeight);
  const w0 = Math.floor((ow * this.constants.inWidth) / this.constants.outWidth);
  const w1 = Math.ceil(((ow + 1) * this.constants.inWidth) / this.constants.outWidth);
  let sum = 0;
  let best = -3.4e38;
  // NOTE: window bounds vary per thread, so the loops run to the widest window (a constant) and
  // skip the excess; a data-dependent bound would be capped at 1000 iterations by gpu.js.
  for (let i = 0; i < this.constants.maxWindowHeight; i++) {
    if (h0 + i < h1) {
      for (let j = 0; j < this.constants.maxWindowWidth; j++) {
        if (w0 + j < w1) {
          const v = x[(plane * this.constants.inHeight + h0 + i) * this.constants.inWidth + w0 + j];
          sum += v;
          best = Math.max(best, v);
        }
      }
    }
  }
  if (this.constants.kind === 0) return best;
  return sum / ((h1 - h0) * (w1 - w0));
}

/**
 * Adaptive pooling specialised on `desc`: `(input, batch) => output`, flat NCHW
 * (PyTorch `AdaptiveAvgPool2d` / `AdaptiveMaxPool2d`; `avgpool(global)` is a 1×1 output).
 */
export function adaptivePool2d(
  backend: Backend,
  desc: AdaptivePool2dDescriptor,
): LayerKernel<[Float32Array]> {
  expectPositive(`adaptive ${desc.kind}pool`, {
    channels: desc.channels,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight: desc.outHeight,
    outWidth: desc.outWidth,
  });
  const constants: AdaptiveConstants = {
    kind: desc.kind === 'max' ? 0 : 1,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight: desc.outHeight,
    outWidth: desc.outWidth,
    maxWindowHeight: maxAdaptiveWindow(desc.inHeight, desc.outHeight),
    maxWindowWidth: maxAdaptiveWindow(desc.inWidth, desc.outWidth),
  };
  const perSample = desc.channels * desc.outHeight * desc.outWidth;
  return makeLayer(
    (batch) => batch * perSample,
    (batch) => [
      {
        kernel: backend.kernel(
          'adaptive-pool2d',
          adaptiveKernel,
          { ...constants },
          batch * perSample,
        ),
        args: [0],
      },
    ],
    {},
    {
      what: `adaptive ${desc.kind}pool`,
      batched: [0],
      perSample: Math.max(perSample, desc.channels * desc.inHeight * desc.inWidth),
    },
  );
}
