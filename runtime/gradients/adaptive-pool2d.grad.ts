// Backward of adaptive (and global) average and max pooling with PyTorch's windows
// [⌊o·I/O⌋, ⌈(o+1)·I/O⌉): one thread per input cell gathers from the few windows that contain it.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { maxAdaptiveWindow, type AdaptivePool2dDescriptor } from '../kernels/adaptive-pool2d.js';
import { runBatched, split } from '../exact.js';
import { expectLength } from './common.js';
import type { PoolGradient } from './pool2d.grad.js';

type Constants = Record<string, number>;

// In-plane index of each window's first maximum (scan order, as PyTorch).
function argmaxKernel(this: KernelThis<Constants>, x: number[]): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const plane = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const h0 = Math.floor((oh * this.constants.inHeight) / this.constants.outHeight);
  const h1 = Math.ceil(((oh + 1) * this.constants.inHeight) / this.constants.outHeight);
  const w0 = Math.floor((ow * this.constants.inWidth) / this.constants.outWidth);
  const w1 = Math.ceil(((ow + 1) * this.constants.inWidth) / this.constants.outWidth);
  let best = -3.4e38;
  let where = -1;
  for (let i = 0; i < this.constants.maxWindowHeight; i++) {
    if (h0 + i < h1) {
      for (let j = 0; j < this.constants.maxWindowWidth; j++) {
        if (w0 + j < w1) {
          const v = x[(plane * this.constants.inHeight + h0 + i) * this.constants.inWidth + w0 + j];
          if (v > best || where < 0) {
            best = v;
            where = (h0 + i) * this.constants.inWidth + w0 + j;
          }
        }
      }
    }
  }
  return where;
}

// Input row ih lies in windows oh ∈ [⌊ih·O/I⌋ − 1, ⌊ih·O/I⌋ + ⌈O/I⌉]; the loop runs over that
// constant-length range and keeps the windows that really contain ih.
function gatherKernel(this: KernelThis<Constants>, gradOutput: number[], argmax: number[]): number {
  const iw = this.thread.x % this.constants.inWidth;
  const ih = Math.floor(this.thread.x / this.constants.inWidth) % this.constants.inHeight;
  const plane = Math.floor(this.thread.x / (this.constants.inWidth * this.constants.inHeight));
  const firstH = Math.floor((ih * this.constants.outHeight) / this.constants.inHeight) - 1;
  const firstW = Math.floor((iw * this.constants.outWidth) / this.constants.inWidth) - 1;
  let sum = 0;
  for (let a = 0; a < this.constants.candidatesHeight; a++) {
    const oh = firstH + a;
    const h0 = Math.floor((oh * this.constants.inHeight) / this.constants.outHeight);
    const h1 = Math.ceil(((oh + 1) * this.constants.inHeight) / this.constants.outHeight);
    if (oh >= 0 && oh < this.constants.outHeight && h0 <= ih && ih < h1) {
      for (let b = 0; b < this.constants.candidatesWidth; b++) {
        const ow = firstW + b;
        const w0 = Math.floor((ow * this.constants.inWidth) / this.constants.outWidth);
        const w1 = Math.ceil(((ow + 1) * this.constants.inWidth) / this.constants.outWidth);
        if (ow >= 0 && ow < this.constants.outWidth && w0 <= iw && iw < w1) {
          const o = (plane * this.constants.outHeight + oh) * this.constants.outWidth + ow;
          if (this.constants.kind === 0) {
            if (argmax[o] === ih * this.constants.inWidth + iw) sum += gradOutput[o];
          } else {
            sum += gradOutput[o] / ((h1 - h0) * (w1 - w0));
          }
        }
      }
    }
  }
  return sum;
}

/**
 * Backward of `adaptivePool2d` specialised on `desc`: `(gradOutput, { input }, batch) => { input }`,
 * flat NCHW (global pooling is a 1×1 output).
 */
export function adaptivePool2dGrad(backend: Backend, desc: AdaptivePool2dDescriptor): PoolGradient {
  const constants: Constants = {
    kind: desc.kind === 'max' ? 0 : 1,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight: desc.outHeight,
    outWidth: desc.outWidth,
    maxWindowHeight: maxAdaptiveWindow(desc.inHeight, desc.outHeight),
    maxWindowWidth: maxAdaptiveWindow(desc.inWidth, desc.outWidth),
    candidatesHeight: Math.ceil(desc.outHeight / desc.inHeight) + 2,
    candidatesWidth: Math.ceil(desc.outWidth / desc.inWidth) + 2,
  };
  const outPlane = desc.outHeight * desc.outWidth;
  const inPlane = desc.inHeight * desc.inWidth;
  return async (gradOutput, saved, batch) => {
    const planes = batch * desc.channels;
    expectLength(`adaptive ${desc.kind}pool gradient`, gradOutput, planes * outPlane);
    expectLength(`adaptive ${desc.kind}pool gradient input`, saved.input, planes * inPlane);
    const what = `adaptive ${desc.kind}pool gradient`;
    let argmax = gradOutput;
    if (desc.kind === 'max') {
      argmax = await runBatched({
        what,
        batch: planes,
        kernel: (count) =>
          backend.kernel('grad-adaptive-argmax', argmaxKernel, constants, count * outPlane),
        args: [split(saved.input)],
        outputPerSample: outPlane,
      });
    }
    const input = await runBatched({
      what,
      batch: planes,
      kernel: (count) =>
        backend.kernel('grad-adaptive-pool2d', gatherKernel, constants, count * inPlane),
      args: [split(gradOutput), split(argmax)],
      outputPerSample: inPlane,
    });
    return { input };
  };
}
