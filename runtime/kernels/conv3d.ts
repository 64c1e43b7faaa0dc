// Direct 3-D convolution (PyTorch `Conv3d`), the N-d formulation that `conv1d` also runs on (with
// unit depth and height): stride, dilation, groups, explicit padding per side, every pad mode.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import { convOutputSize, expectGroups, expectPositive, expectSize } from './conv-util.js';
import { checkPadding, PAD_MODE_CODES, padIndex, type PadMode } from './padding.js';
import type { ConvAxis, Conv3dDescriptor } from '../../contract/descriptors.js';
export type { ConvAxis, Conv3dDescriptor } from '../../contract/descriptors.js';

type AxisConstants<P extends string> = Record<
  `${P}${'In' | 'Out' | 'Filter' | 'Stride' | 'Dilation' | 'Pad'}`,
  number
>;
type Conv3dConstants = AxisConstants<'d'> &
  AxisConstants<'h'> &
  AxisConstants<'w'> & {
    inChannels: number;
    outChannels: number;
    inPerGroup: number;
    outPerGroup: number;
    padMode: number;
    activation: number;
    alpha: number;
  };

function conv3dKernel(
  this: KernelThis<Conv3dConstants>,
  x: number[],
  weight: number[],
  bias: number[],
): number {
  const ow = this.thread.x % this.constants.wOut;
  const oh = Math.floor(this.thread.x / this.constants.wOut) % this.constants.hOut;
  const od =
    Math.floor(this.thread.x / (this.constants.wOut * this.constants.hOut)) % this.constants.dOut;
  const rest = Math.floor(
    this.thread.x / (this.constants.wOut * this.constants.hOut * this.constants.dOut),
  );
  const oc = rest % this.constants.outChannels;
  const n = Math.floor(rest / this.constants.outChannels);
  const firstIn = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup;
  let sum = 0;
  for (let icg = 0; icg < this.constants.inPerGroup; icg++) {
    const volume = (n * this.constants.inChannels + firstIn + icg) * this.constants.dIn;
    const filter = (oc * this.constants.inPerGroup + icg) * this.constants.dFilter;
    for (let kd = 0; kd < this.constants.dFilter; kd++) {
      let id = od * this.constants.dStride - this.constants.dPad + kd * this.constants.dDilation;
      if (this.constants.padMode !== 0) {
        id = padIndex(id, this.constants.dIn, this.constants.padMode);
      }
      for (let kh = 0; kh < this.constants.hFilter; kh++) {
        let ih = oh * this.constants.hStride - this.constants.hPad + kh * this.constants.hDilation;
        if (this.constants.padMode !== 0) {
          ih = padIndex(ih, this.constants.hIn, this.constants.padMode);
        }
        for (let kw = 0; kw < this.constants.wFilter; kw++) {
          let iw =
            ow * this.constants.wStride - this.constants.wPad + kw * this.constants.wDilation;
          if (this.constants.padMode !== 0) {
            iw = padIndex(iw, this.constants.wIn, this.constants.padMode);
          }
          if (
            id >= 0 &&
            id < this.constants.dIn &&
            ih >= 0 &&
            ih < this.constants.hIn &&
            iw >= 0 &&
            iw < this.constants.wIn
          ) {
            sum +=
              x[((volume + id) * this.constants.hIn + ih) * this.constants.wIn + iw] *
              weight[((filter + kd) * this.constants.hFilter + kh) * this.constants.wFilter + kw];
          }
        }
      }
    }
  }
  return applyActivation(sum + bias[oc], this.constants.activation, this.constants.alpha);
}

function axisConstants<P extends string>(prefix: P, what: string, mode: PadMode, axis: ConvAxis) {
  expectPositive(what, { filter: axis.filter, stride: axis.stride, dilation: axis.dilation });
  checkPadding(what, mode, axis.inSize, axis.padLo, axis.padHi);
  const expected = convOutputSize(
    axis.inSize,
    axis.filter,
    axis.stride,
    axis.dilation,
    axis.padLo,
    axis.padHi,
  );
  expectSize(what, `${prefix} output size`, axis.outSize, expected);
  return {
    [`${prefix}In`]: axis.inSize,
    [`${prefix}Out`]: axis.outSize,
    [`${prefix}Filter`]: axis.filter,
    [`${prefix}Stride`]: axis.stride,
    [`${prefix}Dilation`]: axis.dilation,
    [`${prefix}Pad`]: axis.padLo,
  } as AxisConstants<P>;
}

/**
 * Direct 3-D convolution specialised on `desc`: `(input, weight, bias, batch) => output`, flat
 * (layouts in {@link Conv3dDescriptor}); `bias` may be `null`. `what` names the layer in errors.
 */
export function conv3d(
  backend: Backend,
  desc: Conv3dDescriptor,
  what = 'conv3d',
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  expectPositive(what, {
    inChannels: desc.inChannels,
    outChannels: desc.outChannels,
    groups: desc.groups,
  });
  expectGroups(what, desc.inChannels, desc.outChannels, desc.groups);
  const constants: Conv3dConstants = {
    ...axisConstants('d', what, desc.padMode, desc.depth),
    ...axisConstants('h', what, desc.padMode, desc.height),
    ...axisConstants('w', what, desc.padMode, desc.width),
    inChannels: desc.inChannels,
    outChannels: desc.outChannels,
    inPerGroup: desc.inChannels / desc.groups,
    outPerGroup: desc.outChannels / desc.groups,
    padMode: PAD_MODE_CODES[desc.padMode],
    ...activationConstants(desc.activation),
  };
  const perSample =
    desc.outChannels * desc.depth.outSize * desc.height.outSize * desc.width.outSize;
  return makeLayer(
    (batch) => batch * perSample,
    (batch) => [
      {
        kernel: backend.kernel('conv3d', conv3dKernel, { ...constants }, batch * perSample, [
          padIndex,
          ...ACTIVATION_HELPERS,
        ]),
        args: [0, 1, 2],
      },
    ],
    { 2: new Float32Array(desc.outChannels) },
    {
      what,
      batched: [0],
      perSample: Math.max(
        perSample,
        desc.inChannels * desc.depth.inSize * desc.height.inSize * desc.width.inSize,
      ),
      whole: {
        weight:
          constants.outChannels *
          constants.inPerGroup *
          desc.depth.filter *
          desc.height.filter *
          desc.width.filter,
      },
    },
  );
}
