// 2-D transposed convolution (PyTorch `ConvTranspose2d`), written as a gather: each output element
// sums the input elements whose scattered taps land on it, so no atomics or output zeroing.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import {
  conv2dGeometry,
  expectGroups,
  expectPositive,
  expectSize,
  transposedOutputSize,
} from './conv-util.js';
import type { ConvTranspose2dDescriptor } from '../../contract/descriptors.js';
export type { ConvTranspose2dDescriptor } from '../../contract/descriptors.js';

interface ConvTransposeConstants {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  inPerGroup: number;
  outPerGroup: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  activation: number;
  alpha: number;
}

function convTransposeKernel(
  this: KernelThis<ConvTransposeConstants>,
  x: number[],
  weight: number[],
  bias: number[],
): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const rest = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const oc = rest % this.constants.outChannels;
  const n = Math.floor(rest / this.constants.outChannels);
  const g = Math.floor(oc / this.constants.outPerGroup);
  const ocg = oc - g * this.constants.outPerGroup;
  let sum = 0;
  for (let kh = 0; kh < this.constants.filterHeight; kh++) {
    // Output row oh receives input row ih through tap kh when ih·stride − padTop + kh·dilation = oh.
    const th = oh + this.constants.padTop - kh * this.constants.dilationHeight;
    const ih = Math.floor(th / this.constants.strideHeight);
    if (th >= 0 && ih * this.constants.strideHeight === th && ih < this.constants.inHeight) {
      for (let kw = 0; kw < this.constants.filterWidth; kw++) {
        const tw = ow + this.constants.padLeft - kw * this.constants.dilationWidth;
        const iw = Math.floor(tw / this.constants.strideWidth);
        if (tw >= 0 && iw * this.constants.strideWidth === tw && iw < this.constants.inWidth) {
          for (let icg = 0; icg < this.constants.inPerGroup; icg++) {
            const ic = g * this.constants.inPerGroup + icg;
            const xi =
              ((n * this.constants.inChannels + ic) * this.constants.inHeight + ih) *
                this.constants.inWidth +
              iw;
            const wi =
              ((ic * this.constants.outPerGroup + ocg) * this.constants.filterHeight + kh) *
                this.constants.filterWidth +
              kw;
            sum += x[xi] * weight[wi];
          }
        }
      }
    }
  }
  return applyActivation(sum + bias[oc], this.constants.activation, this.constants.alpha);
}

/** Checks a descriptor against the transposed shape rule and `outputPad < max(stride, dilation)`. */
export function checkConvTranspose2d(desc: ConvTranspose2dDescriptor): void {
  const what = 'convtranspose';
  expectPositive(what, {
    inChannels: desc.inChannels,
    outChannels: desc.outChannels,
    filterHeight: desc.filterHeight,
    filterWidth: desc.filterWidth,
    strideHeight: desc.strideHeight,
    strideWidth: desc.strideWidth,
    dilationHeight: desc.dilationHeight,
    dilationWidth: desc.dilationWidth,
    groups: desc.groups,
  });
  expectGroups(what, desc.inChannels, desc.outChannels, desc.groups);
  const dims = [
    [
      'Height',
      desc.inHeight,
      desc.outHeight,
      desc.filterHeight,
      desc.strideHeight,
      desc.dilationHeight,
      desc.padTop,
      desc.padBottom,
      desc.outputPadHeight,
    ],
    [
      'Width',
      desc.inWidth,
      desc.outWidth,
      desc.filterWidth,
      desc.strideWidth,
      desc.dilationWidth,
      desc.padLeft,
      desc.padRight,
      desc.outputPadWidth,
    ],
  ] as const;
  for (const [dim, size, out, filter, stride, dilation, lo, hi, outputPad] of dims) {
    if (outputPad < 0 || outputPad >= Math.max(stride, dilation)) {
      throw new Error(`${what}: outputPad${dim} ${outputPad} must be below max(stride, dilation)`);
    }
    const expected = transposedOutputSize(size, filter, stride, dilation, lo, hi, outputPad);
    expectSize(what, `out${dim}`, out, expected);
  }
}

/**
 * Transposed convolution specialised on `desc`: `(input, weight, bias, batch) => output`, flat NCHW
 * (layouts in {@link ConvTranspose2dDescriptor}); `bias` may be `null`.
 */
export function convTranspose2d(
  backend: Backend,
  desc: ConvTranspose2dDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  checkConvTranspose2d(desc);
  const constants: ConvTransposeConstants = {
    ...conv2dGeometry(desc),
    ...activationConstants(desc.activation),
  };
  const perSample = desc.outChannels * desc.outHeight * desc.outWidth;
  return makeLayer(
    (batch) => batch * perSample,
    (batch) => [
      {
        kernel: backend.kernel(
          'convtranspose2d',
          convTransposeKernel,
          { ...constants },
          batch * perSample,
          ACTIVATION_HELPERS,
        ),
        args: [0, 1, 2],
      },
    ],
    { 2: new Float32Array(desc.outChannels) },
    {
      what: 'convtranspose2d',
      batched: [0],
      perSample: Math.max(perSample, desc.inChannels * desc.inHeight * desc.inWidth),
      whole: {
        weight:
          ((desc.inChannels * desc.outChannels) / desc.groups) *
          desc.filterHeight *
          desc.filterWidth,
      },
    },
  );
}
