// Backward of the N-d (3-D) convolution, which also serves conv1d and conv2d: the input gradient
// is the transposed convolution of the output gradient (gathered per input cell, in padded
// coordinates, then folded back for non-zero pad modes), the weight gradient the correlation of
// the input with the output gradient, and the bias gradient the sum of the output gradient.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { activationConstants } from '../kernels/activation.js';
import { conv3d, type ConvAxis, type Conv3dDescriptor } from '../kernels/conv3d.js';
import { PAD_MODE_CODES, padIndex } from '../kernels/padding.js';
import {
  activationBackward,
  channelSum,
  expectLength,
  isIdentity,
  type GradientFn,
  type GradientOptions,
} from './common.js';
import { foldPadding } from './pad-fold.js';
import { runBatched, split } from '../exact.js';

/** What a convolution backward needs from the forward: input, weight and bias (may be `null`). */
export interface ConvSaved {
  input: Float32Array;
  weight: Float32Array;
  bias: Float32Array | null;
}

/** Convolution gradients in the forward layouts; `bias` is `null` when the layer has none. */
export interface ConvGrads {
  input: Float32Array | null;
  weight: Float32Array;
  bias: Float32Array | null;
}

/** Gradient of a convolution layer. */
export type ConvGradient = GradientFn<ConvSaved, ConvGrads>;

type Axis = 'd' | 'h' | 'w';
type Constants = Record<string, number>;

// Gradient with respect to the input, one thread per cell of the (padded or unpadded) input:
// padded position q receives gy[o]·w[k] from every output o and tap k with o·stride + k·dilation = q.
function inputGradKernel(
  this: KernelThis<Constants>,
  gradOutput: number[],
  weight: number[],
): number {
  const pw = this.thread.x % this.constants.wSpan;
  const ph = Math.floor(this.thread.x / this.constants.wSpan) % this.constants.hSpan;
  const pd =
    Math.floor(this.thread.x / (this.constants.wSpan * this.constants.hSpan)) %
    this.constants.dSpan;
  const rest = Math.floor(
    this.thread.x / (this.constants.wSpan * this.constants.hSpan * this.constants.dSpan),
  );
  const c = rest % this.constants.inChannels;
  const n = Math.floor(rest / this.constants.inChannels);
  const g = Math.floor(c / this.constants.inPerGroup);
  const icg = c - g * this.constants.inPerGroup;
  let sum = 0;
  for (let kd = 0; kd < this.constants.dFilter; kd++) {
    const td = pd + this.constants.dOffset - kd * this.constants.dDilation;
    const od = Math.floor(td / this.constants.dStride);
    if (td >= 0 && od * this.constants.dStride === td && od < this.constants.dOut) {
      for (let kh = 0; kh < this.constants.hFilter; kh++) {
        const th = ph + this.constants.hOffset - kh * this.constants.hDilation;
        const oh = Math.floor(th / this.constants.hStride);
        if (th >= 0 && oh * this.constants.hStride === th && oh < this.constants.hOut) {
          for (let kw = 0; kw < this.constants.wFilter; kw++) {
            const tw = pw + this.constants.wOffset - kw * this.constants.wDilation;
            const ow = Math.floor(tw / this.constants.wStride);
            if (tw >= 0 && ow * this.constants.wStride === tw && ow < this.constants.wOut) {
              for (let ocg = 0; ocg < this.constants.outPerGroup; ocg++) {
                const oc = g * this.constants.outPerGroup + ocg;
                const gi =
                  (((n * this.constants.outChannels + oc) * this.constants.dOut + od) *
                    this.constants.hOut +
                    oh) *
                    this.constants.wOut +
                  ow;
                const wi =
                  (((oc * this.constants.inPerGroup + icg) * this.constants.dFilter + kd) *
                    this.constants.hFilter +
                    kh) *
                    this.constants.wFilter +
                  kw;
                sum += gradOutput[gi] * weight[wi];
              }
            }
          }
        }
      }
    }
  }
  return sum;
}

// Gradient with respect to one weight: Σ over the batch and output positions of gy · the input
// cell that tap read in the forward (through the pad mode's index map).
function weightGradKernel(this: KernelThis<Constants>, gradOutput: number[], x: number[]): number {
  const kw = this.thread.x % this.constants.wFilter;
  const kh = Math.floor(this.thread.x / this.constants.wFilter) % this.constants.hFilter;
  const kd =
    Math.floor(this.thread.x / (this.constants.wFilter * this.constants.hFilter)) %
    this.constants.dFilter;
  const rest = Math.floor(
    this.thread.x / (this.constants.wFilter * this.constants.hFilter * this.constants.dFilter),
  );
  const icg = rest % this.constants.inPerGroup;
  const oc = Math.floor(rest / this.constants.inPerGroup);
  const ic = Math.floor(oc / this.constants.outPerGroup) * this.constants.inPerGroup + icg;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    const volume = (n * this.constants.inChannels + ic) * this.constants.dIn;
    const outVolume = (n * this.constants.outChannels + oc) * this.constants.dOut;
    for (let od = 0; od < this.constants.dOut; od++) {
      let id = od * this.constants.dStride - this.constants.dPad + kd * this.constants.dDilation;
      if (this.constants.padMode !== 0)
        id = padIndex(id, this.constants.dIn, this.constants.padMode);
      if (id >= 0 && id < this.constants.dIn) {
        for (let oh = 0; oh < this.constants.hOut; oh++) {
          let ih =
            oh * this.constants.hStride - this.constants.hPad + kh * this.constants.hDilation;
          if (this.constants.padMode !== 0) {
            ih = padIndex(ih, this.constants.hIn, this.constants.padMode);
          }
          if (ih >= 0 && ih < this.constants.hIn) {
            const row = ((volume + id) * this.constants.hIn + ih) * this.constants.wIn;
            const outRow = ((outVolume + od) * this.constants.hOut + oh) * this.constants.wOut;
            for (let ow = 0; ow < this.constants.wOut; ow++) {
              let iw =
                ow * this.constants.wStride - this.constants.wPad + kw * this.constants.wDilation;
              if (this.constants.padMode !== 0) {
                iw = padIndex(iw, this.constants.wIn, this.constants.padMode);
              }
              if (iw >= 0 && iw < this.constants.wIn) sum += gradOutput[outRow + ow] * x[row + iw];
            }
          }
        }
      }
    }
  }
  return sum;
}

function axisConstants(prefix: Axis, axis: ConvAxis, padded: boolean): Constants {
  return {
    [`${prefix}In`]: axis.inSize,
    [`${prefix}Out`]: axis.outSize,
    [`${prefix}Filter`]: axis.filter,
    [`${prefix}Stride`]: axis.stride,
    [`${prefix}Dilation`]: axis.dilation,
    [`${prefix}Pad`]: axis.padLo,
    // The input-gradient kernel runs over the padded extent (offset 0) or the input (offset lo).
    [`${prefix}Span`]: padded ? axis.inSize + axis.padLo + axis.padHi : axis.inSize,
    [`${prefix}Offset`]: padded ? 0 : axis.padLo,
  };
}

/**
 * Backward of {@link conv3d} specialised on `desc` (layouts in `Conv3dDescriptor`). A fused
 * activation is differentiated at the pre-activation value, recomputed with the forward kernel.
 * `what` names the layer in errors.
 */
export function conv3dGrad(
  backend: Backend,
  desc: Conv3dDescriptor,
  options: GradientOptions = {},
  what = 'conv3d',
): ConvGradient {
  const linearDesc: Conv3dDescriptor = { ...desc, activation: undefined };
  const forward = conv3d(backend, linearDesc, what);
  const padded = desc.padMode !== 'zeros';
  const axes = [desc.depth, desc.height, desc.width] as const;
  const shared: Constants = {
    inChannels: desc.inChannels,
    outChannels: desc.outChannels,
    inPerGroup: desc.inChannels / desc.groups,
    outPerGroup: desc.outChannels / desc.groups,
    padMode: PAD_MODE_CODES[desc.padMode],
    ...axisConstants('d', desc.depth, padded),
    ...axisConstants('h', desc.height, padded),
    ...axisConstants('w', desc.width, padded),
  };
  const volume = (key: 'inSize' | 'outSize') => axes.reduce((acc, axis) => acc * axis[key], 1);
  const spanVolume = axes.reduce(
    (acc, axis) => acc * (padded ? axis.inSize + axis.padLo + axis.padHi : axis.inSize),
    1,
  );
  const weightLength =
    desc.outChannels *
    shared.inPerGroup *
    desc.depth.filter *
    desc.height.filter *
    desc.width.filter;
  return async (gradOutput, saved, batch) => {
    expectLength(`${what} gradient`, gradOutput, batch * desc.outChannels * volume('outSize'));
    let grad = gradOutput;
    if (!isIdentity(desc.activation)) {
      const pre = await forward(saved.input, saved.weight, saved.bias, batch);
      grad = await activationBackward(backend, activationConstants(desc.activation), grad, pre);
    }
    // The weight gradient sums over the batch: launches over groups of samples are summed.
    const weight = await runBatched({
      what: `${what} gradient`,
      batch,
      kernel: (count) =>
        backend.kernel(
          `grad-${what}-weight`,
          weightGradKernel,
          { ...shared, batch: count },
          weightLength,
          [padIndex],
        ),
      args: [split(grad), split(saved.input)],
    });
    const bias = saved.bias
      ? await channelSum(backend, grad, batch, desc.outChannels, volume('outSize'))
      : null;
    let input: Float32Array | null = null;
    if (options.inputGradient !== false) {
      const perSample = desc.inChannels * spanVolume;
      input = await runBatched({
        what: `${what} gradient`,
        batch,
        kernel: (count) =>
          backend.kernel(`grad-${what}-input`, inputGradKernel, shared, count * perSample),
        args: [split(grad), saved.weight],
        outputPerSample: perSample,
      });
      if (padded) {
        const fold = axes.map((axis) => ({ size: axis.inSize, lo: axis.padLo, hi: axis.padHi }));
        input = await foldPadding(
          backend,
          input,
          batch * desc.inChannels,
          [fold[0], fold[1], fold[2]],
          desc.padMode,
        );
      }
    }
    return { input, weight, bias };
  };
}
