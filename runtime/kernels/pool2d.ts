// 2-D max, average and power-average pooling over explicit windows. The caller (the compiler)
// resolves `ceil` and padding into the output size, so `ceil=true` is just a larger output here.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive, expectSize, poolOutputSize } from './conv-util.js';
import type { Pool2dDescriptor } from '../../contract/descriptors.js';
export type { PoolKind, Pool2dDescriptor } from '../../contract/descriptors.js';

interface PoolConstants {
  kind: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  /** Padded extents: windows are clipped to these before counting (PyTorch's avg_pool rule). */
  paddedHeight: number;
  paddedWidth: number;
  countIncludePad: number;
  p: number;
}

function pool2dKernel(this: KernelThis<PoolConstants>, x: number[]): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const plane = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const h0 = oh * this.constants.strideHeight - this.constants.padTop;
  const w0 = ow * this.constants.strideWidth - this.constants.padLeft;
  // Cells of the window inside the padded input, and inside the input proper.
  const padCount =
    (Math.min(h0 + this.constants.kernelHeight, this.constants.paddedHeight) - h0) *
    (Math.min(w0 + this.constants.kernelWidth, this.constants.paddedWidth) - w0);
  let count = 0;
  let sum = 0;
  let best = -3.4e38;
  for (let kh = 0; kh < this.constants.kernelHeight; kh++) {
    const ih = h0 + kh;
    for (let kw = 0; kw < this.constants.kernelWidth; kw++) {
      const iw = w0 + kw;
      if (ih >= 0 && ih < this.constants.inHeight && iw >= 0 && iw < this.constants.inWidth) {
        const v = x[(plane * this.constants.inHeight + ih) * this.constants.inWidth + iw];
        best = Math.max(best, v);
        if (this.constants.kind === 2) {
          sum += Math.pow(v, this.constants.p);
        } else {
          sum += v;
        }
        count += 1;
      }
    }
  }
  if (this.constants.kind === 0) return best;
  if (this.constants.kind === 1) {
    if (this.constants.countIncludePad === 1) return sum / padCount;
    return sum / count;
  }
  // NOTE: PyTorch computes LPPool2d as avg_pool(x^p)·kh·kw, so a clipped ceil-mode window's sum
  // is scaled by (kh·kw)/count; full windows are the plain power sum.
  const scaled = (sum * this.constants.kernelHeight * this.constants.kernelWidth) / count;
  return Math.pow(scaled, 1 / this.constants.p);
}

/** Checks a descriptor; the output may be one larger than the floor rule (ceil mode). */
export function checkPool2d(desc: Pool2dDescriptor): void {
  const what = `${desc.kind}pool`;
  expectPositive(what, {
    channels: desc.channels,
    kernelHeight: desc.kernelHeight,
    kernelWidth: desc.kernelWidth,
    strideHeight: desc.strideHeight,
    strideWidth: desc.strideWidth,
  });
  const dims = [
    [
      'outHeight',
      desc.outHeight,
      desc.inHeight,
      desc.kernelHeight,
      desc.strideHeight,
      desc.padTop,
      desc.padBottom,
    ],
    [
      'outWidth',
      desc.outWidth,
      desc.inWidth,
      desc.kernelWidth,
      desc.strideWidth,
      desc.padLeft,
      desc.padRight,
    ],
  ] as const;
  for (const [name, out, size, kernel, stride, lo, hi] of dims) {
    // Either rounding of PyTorch's rule: the compiler resolved `ceil` into the output size.
    if (out === poolOutputSize(size, kernel, stride, lo, hi, true)) continue;
    expectSize(what, name, out, poolOutputSize(size, kernel, stride, lo, hi, false));
  }
}

/**
 * 2-D pooling specialised on `desc`: `(input, batch) => output`, flat NCHW. Max pooling ignores
 * padded cells (PyTorch pads with −∞).
 */
export function pool2d(backend: Backend, desc: Pool2dDescriptor): LayerKernel<[Float32Array]> {
  checkPool2d(desc);
  const constants: PoolConstants = {
    kind: { max: 0, avg: 1, lp: 2 }[desc.kind],
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight: desc.outHeight,
    outWidth: desc.outWidth,
    kernelHeight: desc.kernelHeight,
    kernelWidth: desc.kernelWidth,
    strideHeight: desc.strideHeight,
    strideWidth: desc.strideWidth,
    padTop: desc.padTop,
    padLeft: desc.padLeft,
    paddedHeight: desc.inHeight + desc.padBottom,
    paddedWidth: desc.inWidth + desc.padRight,
    countIncludePad: desc.countIncludePad === false ? 0 : 1,
    p: desc.p ?? 2,
  };
  const perSample = desc.channels * desc.outHeight * desc.outWidth;
  return makeLayer(
    (batch) => batch * perSample,
    (batch) => [
      {
        kernel: backend.kernel('pool2d', pool2dKernel, { ...constants }, batch * perSample),
        args: [0],
      },
    ],
    {},
    {
      what: `${desc.kind}pool`,
      batched: [0],
      perSample: Math.max(perSample, desc.channels * desc.inHeight * desc.inWidth),
    },
  );
}
