// Backward of the 2-D transposed convolution. Its forward scatters x[i]·w[k] to o = i·stride −
// pad + k·dilation, so the input gradient is the ordinary (strided, dilated) correlation of the
// output gradient with the weight, and the weight gradient correlates the input with it.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { activationConstants } from '../kernels/activation.js';
import { conv2dGeometry } from '../kernels/conv-util.js';
import {
  checkConvTranspose2d,
  convTranspose2d,
  type ConvTranspose2dDescriptor,
} from '../kernels/convtranspose2d.js';
import {
  activationBackward,
  channelSum,
  expectLength,
  isIdentity,
  type GradientOptions,
} from './common.js';
import { runBatched, split } from '../exact.js';
import type { ConvGradient } from './conv3d.grad.js';

type Constants = Record<string, number>;

function inputGradKernel(
  this: KernelThis<Constants>,
  gradOutput: number[],
  weight: number[],
): number {
  const iw = this.thread.x % this.constants.inWidth;
  const ih = Math.floor(this.thread.x / this.constants.inWidth) % this.constants.inHeight;
  const rest = Math.floor(this.thread.x / (this.constants.inWidth * this.constants.inHeight));
  const ic = rest % this.constants.inChannels;
  const n = Math.floor(rest / this.constants.inChannels);
  const g = Math.floor(ic / this.constants.inPerGroup);
  let sum = 0;
  for (let kh = 0; kh < this.constants.filterHeight; kh++) {
    const oh =
      ih * this.constants.strideHeight - this.constants.padTop + kh * this.constants.dilationHeight;
    if (oh >= 0 && oh < this.constants.outHeight) {
      for (let kw = 0; kw < this.constants.filterWidth; kw++) {
        const ow =
          iw * this.constants.strideWidth -
          this.constants.padLeft +
          kw * this.constants.dilationWidth;
        if (ow >= 0 && ow < this.constants.outWidth) {
          for (let ocg = 0; ocg < this.constants.outPerGroup; ocg++) {
            const oc = g * this.constants.outPerGroup + ocg;
            const gi =
              ((n * this.constants.outChannels + oc) * this.constants.outHeight + oh) *
                this.constants.outWidth +
              ow;
            const wi =
              ((ic * this.constants.outPerGroup + ocg) * this.constants.filterHeight + kh) *
                this.constants.filterWidth +
              kw;
            sum += gradOutput[gi] * weight[wi];
          }
        }
      }
    }
  }
  return sum;
}

// One thread per weight [ic, ocg, kh, kw]: Σ over batch and input positions of x · gy at the
// output cell that tap scattered to.
function weightGradKernel(this: KernelThis<Constants>, gradOutput: number[], x: number[]): number {
  const kw = this.thread.x % this.constants.filterWidth;
  const kh = Math.floor(this.thread.x / this.constants.filterWidth) % this.constants.filterHeight;
  const rest = Math.floor(
    this.thread.x / (this.constants.filterWidth * this.constants.filterHeight),
  );
  const ocg = rest % this.constants.outPerGroup;
  const ic = Math.floor(rest / this.constants.outPerGroup);
  const oc = Math.floor(ic / this.constants.inPerGroup) * this.constants.outPerGroup + ocg;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    for (let ih = 0; ih < this.constants.inHeight; ih++) {
      const oh =
        ih * this.constants.strideHeight -
        this.constants.padTop +
        kh * this.constants.dilationHeight;
      if (oh >= 0 && oh < this.constants.outHeight) {
        const inRow =
          ((n * this.constants.inChannels + ic) * this.constants.inHeight + ih) *
          this.constants.inWidth;
        const outRow =
          ((n * this.constants.outChannels + oc) * this.constants.outHeight + oh) *
          this.constants.outWidth;
        for (let iw = 0; iw < this.constants.inWidth; iw++) {
          const ow =
            iw * this.constants.strideWidth -
            this.constants.padLeft +
            kw * this.constants.dilationWidth;
          if (ow >= 0 && ow < this.constants.outWidth)
            sum += x[inRow + iw] * gradOutput[outRow + ow];
        }
      }
    }
  }
  return sum;
}

/**
 * Backward of `convTranspose2d` specialised on `desc`: `(gradOutput, { input, weight, bias }, batch)
 * => { input, weight, bias }` with input `[batch, inChannels, inHeight, inWidth]`, weight
 * `[inChannels, outChannels / groups, filterHeight, filterWidth]`, bias `[outChannels]` or null.
 */
export function convTranspose2dGrad(
  backend: Backend,
  desc: ConvTranspose2dDescriptor,
  options: GradientOptions = {},
): ConvGradient {
  checkConvTranspose2d(desc);
  const forward = convTranspose2d(backend, { ...desc, activation: undefined });
  const shared: Constants = {
    ...conv2dGeometry(desc),
  };
  const outSpatial = desc.outHeight * desc.outWidth;
  const weightLength = desc.inChannels * shared.outPerGroup * desc.filterHeight * desc.filterWidth;
  return async (gradOutput, saved, batch) => {
    expectLength('convtranspose gradient', gradOutput, batch * desc.outChannels * outSpatial);
    let grad = gradOutput;
    if (!isIdentity(desc.activation)) {
      const pre = await forward(saved.input, saved.weight, saved.bias, batch);
      grad = await activationBackward(backend, activationConstants(desc.activation), grad, pre);
    }
    // The weight gradient sums over the batch: launches over groups of samples are summed.
    const weight = await runBatched({
      what: 'convtranspose2d gradient',
      batch,
      kernel: (count) =>
        backend.kernel(
          'grad-convtranspose2d-weight',
          weightGradKernel,
          { ...shared, batch: count },
          weightLength,
        ),
      args: [split(grad), split(saved.input)],
    });
    const bias = saved.bias
      ? await channelSum(backend, grad, batch, desc.outChannels, outSpatial)
      : null;
    let input: Float32Array | null = null;
    if (options.inputGradient !== false) {
      const perSample = desc.inChannels * desc.inHeight * desc.inWidth;
      input = await runBatched({
        what: 'convtranspose2d gradient',
        batch,
        kernel: (count) =>
          backend.kernel('grad-convtranspose2d-input', inputGradKernel, shared, count * perSample),
        args: [split(grad), saved.weight],
        outputPerSample: perSample,
      });
    }
    return { input, weight, bias };
  };
}
