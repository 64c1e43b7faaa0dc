// Backward of 2-D max / average / power-average pooling, one thread per input cell gathering
// from the windows that contain it. Max pooling first records each window's argmax (the first
// maximum in scan order, as PyTorch) and routes the whole gradient there.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { checkPool2d, type Pool2dDescriptor } from '../kernels/pool2d.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

/** What a pooling backward needs from the forward: its input, and its output (for `lp`). */
export interface PoolSaved {
  input: Float32Array;
  output?: Float32Array;
}

/** Gradient of a pooling layer, `[batch, channels, inHeight, inWidth]`. */
export type PoolGradient = GradientFn<PoolSaved, { input: Float32Array }>;

type Constants = Record<string, number>;

// Flat in-plane index (ih·inWidth + iw) of each window's first maximum; −1 for an empty window.
function argmaxKernel(this: KernelThis<Constants>, x: number[]): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const plane = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const h0 = oh * this.constants.strideHeight - this.constants.padTop;
  const w0 = ow * this.constants.strideWidth - this.constants.padLeft;
  let best = -3.4e38;
  let where = -1;
  for (let kh = 0; kh < this.constants.kernelHeight; kh++) {
    const ih = h0 + kh;
    for (let kw = 0; kw < this.constants.kernelWidth; kw++) {
      const iw = w0 + kw;
      if (ih >= 0 && ih < this.constants.inHeight && iw >= 0 && iw < this.constants.inWidth) {
        const v = x[(plane * this.constants.inHeight + ih) * this.constants.inWidth + iw];
        if (v > best || where < 0) {
          best = v;
          where = ih * this.constants.inWidth + iw;
        }
      }
    }
  }
  return where;
}

// Input cell (ih, iw) lies in window (oh, ow) through tap (kh, kw) when oh·stride − pad + kh = ih.
function poolGradKernel(
  this: KernelThis<Constants>,
  gradOutput: number[],
  x: number[],
  aux: number[],
): number {
  const iw = this.thread.x % this.constants.inWidth;
  const ih = Math.floor(this.thread.x / this.constants.inWidth) % this.constants.inHeight;
  const plane = Math.floor(this.thread.x / (this.constants.inWidth * this.constants.inHeight));
  let sum = 0;
  for (let kh = 0; kh < this.constants.kernelHeight; kh++) {
    const th = ih + this.constants.padTop - kh;
    const oh = Math.floor(th / this.constants.strideHeight);
    if (th >= 0 && oh * this.constants.strideHeight === th && oh < this.constants.outHeight) {
      for (let kw = 0; kw < this.constants.kernelWidth; kw++) {
        const tw = iw + this.constants.padLeft - kw;
        const ow = Math.floor(tw / this.constants.strideWidth);
        if (tw >= 0 && ow * this.constants.strideWidth === tw && ow < this.constants.outWidth) {
          const o = (plane * this.constants.outHeight + oh) * this.constants.outWidth + ow;
          const h0 = oh * this.constants.strideHeight - this.constants.padTop;
          const w0 = ow * this.constants.strideWidth - this.constants.padLeft;
          // Window cells inside the input proper, and inside the padded input (PyTorch's divisors).
          const count =
            (Math.min(h0 + this.constants.kernelHeight, this.constants.inHeight) -
              Math.max(h0, 0)) *
            (Math.min(w0 + this.constants.kernelWidth, this.constants.inWidth) - Math.max(w0, 0));
          const padCount =
            (Math.min(h0 + this.constants.kernelHeight, this.constants.paddedHeight) - h0) *
            (Math.min(w0 + this.constants.kernelWidth, this.constants.paddedWidth) - w0);
          if (this.constants.kind === 0) {
            if (aux[o] === ih * this.constants.inWidth + iw) sum += gradOutput[o];
          } else if (this.constants.kind === 1) {
            if (this.constants.countIncludePad === 1) sum += gradOutput[o] / padCount;
            else sum += gradOutput[o] / count;
          } else {
            // y = (S·kh·kw/count)^(1/p) with S = Σ x^p, so ∂y/∂x = y^(1−p)·(kh·kw/count)·x^(p−1).
            const v = x[this.thread.x];
            const scale = (this.constants.kernelHeight * this.constants.kernelWidth) / count;
            sum +=
              gradOutput[o] *
              Math.pow(aux[o], 1 - this.constants.p) *
              scale *
              Math.pow(v, this.constants.p - 1);
          }
        }
      }
    }
  }
  return sum;
}

/**
 * Backward of `pool2d` specialised on `desc`: `(gradOutput, { input, output }, batch) =>
 * { input }`, flat NCHW. `output` (the forward result) is required for `lp` only. Max pooling sends
 * each window's gradient to its first maximum (PyTorch's tie rule).
 */
export function pool2dGrad(backend: Backend, desc: Pool2dDescriptor): PoolGradient {
  checkPool2d(desc);
  const constants: Constants = {
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
  const outPlane = desc.outHeight * desc.outWidth;
  const inPlane = desc.inHeight * desc.inWidth;
  return async (gradOutput, saved, batch) => {
    const planes = batch * desc.channels;
    expectLength(`${desc.kind}pool gradient`, gradOutput, planes * outPlane);
    expectLength(`${desc.kind}pool gradient input`, saved.input, planes * inPlane);
    const what = `${desc.kind}pool gradient`;
    let aux = gradOutput;
    if (desc.kind === 'max') {
      aux = await runBatched({
        what,
        batch,
        kernel: (count) =>
          backend.kernel(
            'grad-pool2d-argmax',
            argmaxKernel,
            constants,
            count * desc.channels * outPlane,
          ),
        args: [split(saved.input)],
        outputPerSample: desc.channels * outPlane,
      });
    } else if (desc.kind === 'lp') {
      if (!saved.output) throw new Error('lppool gradient: the forward output must be saved');
      aux = saved.output;
    }
    const input = await runBatched({
      what,
      batch,
      kernel: (count) =>
        backend.kernel('grad-pool2d', poolGradKernel, constants, count * desc.channels * inPlane),
      args: [split(gradOutput), split(saved.input), split(aux)],
      outputPerSample: desc.channels * inPlane,
    });
    return { input };
  };
}
