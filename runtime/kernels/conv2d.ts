// Direct 2-D convolution (cross-correlation, as PyTorch `Conv2d`): one output element per thread,
// with stride, dilation, groups, explicit padding per side and every pad mode, plus a fused
// bias + activation epilogue.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import {
  conv2dGeometry,
  convOutputSize,
  expectGroups,
  expectPositive,
  expectSize,
} from './conv-util.js';
import { checkPadding, PAD_MODE_CODES, padIndex } from './padding.js';
import type { Conv2dDescriptor } from '../../contract/descriptors.js';
export type { Conv2dDescriptor } from '../../contract/descriptors.js';

interface Conv2dConstants {
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
  padMode: number;
  activation: number;
  alpha: number;
}

function conv2dKernel(
  this: KernelThis<Conv2dConstants>,
  x: number[],
  weight: number[],
  bias: number[],
): number {
  let idx = this.thread.x;
  const ow = idx % this.constants.outWidth;
  idx = Math.floor(idx / this.constants.outWidth);
  const oh = idx % this.constants.outHeight;
  idx = Math.floor(idx / this.constants.outHeight);
  const oc = idx % this.constants.outChannels;
  const n = Math.floor(idx / this.constants.outChannels);
  const firstIn = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup;
  let sum = 0;
  for (let icg = 0; icg < this.constants.inPerGroup; icg++) {
    const plane = (n * this.constants.inChannels + firstIn + icg) * this.constants.inHeight;
    const filter = (oc * this.constants.inPerGroup + icg) * this.constants.filterHeight;
    for (let kh = 0; kh < this.constants.filterHeight; kh++) {
      const rawH =
        oh * this.constants.strideHeight -
        this.constants.padTop +
        kh * this.constants.dilationHeight;
      // NOTE: the helper call costs 2× on webasm, so zero padding (mode 0) tests bounds inline.
      let ih = rawH;
      if (this.constants.padMode !== 0) {
        ih = padIndex(rawH, this.constants.inHeight, this.constants.padMode);
      }
      if (ih >= 0 && ih < this.constants.inHeight) {
        for (let kw = 0; kw < this.constants.filterWidth; kw++) {
          const rawW =
            ow * this.constants.strideWidth -
            this.constants.padLeft +
            kw * this.constants.dilationWidth;
          let iw = rawW;
          if (this.constants.padMode !== 0) {
            iw = padIndex(rawW, this.constants.inWidth, this.constants.padMode);
          }
          if (iw >= 0 && iw < this.constants.inWidth) {
            sum +=
              x[(plane + ih) * this.constants.inWidth + iw] *
              weight[(filter + kh) * this.constants.filterWidth + kw];
          }
        }
      }
    }
  }
  return applyActivation(sum + bias[oc], this.constants.activation, this.constants.alpha);
}

/** Checks a descriptor against the §6 shape rules; throws a create-time error naming the problem. */
export function checkConv2d(desc: Conv2dDescriptor): void {
  const what = 'conv2d';
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
  checkPadding(what, desc.padMode, desc.inHeight, desc.padTop, desc.padBottom);
  checkPadding(what, desc.padMode, desc.inWidth, desc.padLeft, desc.padRight);
  const h = convOutputSize(
    desc.inHeight,
    desc.filterHeight,
    desc.strideHeight,
    desc.dilationHeight,
    desc.padTop,
    desc.padBottom,
  );
  const w = convOutputSize(
    desc.inWidth,
    desc.filterWidth,
    desc.strideWidth,
    desc.dilationWidth,
    desc.padLeft,
    desc.padRight,
  );
  expectSize(what, 'outHeight', desc.outHeight, h);
  expectSize(what, 'outWidth', desc.outWidth, w);
}

/** Values of a 2-D convolution's weight `[outChannels, inChannels / groups, kh, kw]`. */
export function conv2dWeightLength(desc: Conv2dDescriptor): number {
  return (
    ((desc.outChannels * desc.inChannels) / desc.groups) * desc.filterHeight * desc.filterWidth
  );
}

/**
 * Direct 2-D convolution specialised on `desc`. Returns `(input, weight, bias, batch) => output`
 * (flat NCHW, see {@link Conv2dDescriptor}); `bias` may be `null`.
 */
export function conv2d(
  backend: Backend,
  desc: Conv2dDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  checkConv2d(desc);
  const constants: Conv2dConstants = {
    ...conv2dGeometry(desc),
    padMode: PAD_MODE_CODES[desc.padMode],
    ...activationConstants(desc.activation),
  };
  const perSample = desc.outChannels * desc.outHeight * desc.outWidth;
  return makeLayer(
    (batch) => batch * perSample,
    (batch) => [
      {
        kernel: backend.kernel('conv2d', conv2dKernel, { ...constants }, batch * perSample, [
          padIndex,
          ...ACTIVATION_HELPERS,
        ]),
        args: [0, 1, 2],
      },
    ],
    { 2: new Float32Array(desc.outChannels) },
    {
      what: 'conv2d',
      batched: [0],
      perSample: Math.max(perSample, desc.inChannels * desc.inHeight * desc.inWidth),
      whole: { weight: conv2dWeightLength(desc) },
    },
  );
}
