// im2col lowering of a 2-D convolution: unfold every receptive field into a column, then one grouped
// GEMM. A 1×1 convolution with stride 1 and no padding skips the unfold (its input already is the
// column matrix).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel, type Stage } from '../layer.js';
import { checkConv2d, conv2dWeightLength, type Conv2dDescriptor } from './conv2d.js';
import { gemmStage, type GemmDescriptor } from './gemm.js';
import { PAD_MODE_CODES, padIndex } from './padding.js';

interface Im2colConstants {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  padMode: number;
  cols: number;
  depth: number;
}

// Thread layout: [batch, inChannels · filterHeight · filterWidth, outHeight · outWidth], which is
// also [batch, groups, depth, cols] because a group's channels are contiguous.
function im2colKernel(this: KernelThis<Im2colConstants>, x: number[]): number {
  const p = this.thread.x % this.constants.cols;
  const rest = Math.floor(this.thread.x / this.constants.cols);
  const k = rest % this.constants.depth;
  const n = Math.floor(rest / this.constants.depth);
  const kw = k % this.constants.filterWidth;
  const kh = Math.floor(k / this.constants.filterWidth) % this.constants.filterHeight;
  const ic = Math.floor(k / (this.constants.filterWidth * this.constants.filterHeight));
  const ow = p % this.constants.outWidth;
  const oh = Math.floor(p / this.constants.outWidth);
  let ih =
    oh * this.constants.strideHeight - this.constants.padTop + kh * this.constants.dilationHeight;
  if (this.constants.padMode !== 0) {
    ih = padIndex(ih, this.constants.inHeight, this.constants.padMode);
  }
  let iw =
    ow * this.constants.strideWidth - this.constants.padLeft + kw * this.constants.dilationWidth;
  if (this.constants.padMode !== 0) {
    iw = padIndex(iw, this.constants.inWidth, this.constants.padMode);
  }
  if (ih < 0 || ih >= this.constants.inHeight || iw < 0 || iw >= this.constants.inWidth) return 0;
  return x[
    ((n * this.constants.inChannels + ic) * this.constants.inHeight + ih) * this.constants.inWidth +
      iw
  ];
}

/** Whether `desc` is a plain GEMM: a 1×1 filter, stride 1, no padding. */
export function isPointwise(desc: Conv2dDescriptor): boolean {
  return (
    desc.filterHeight === 1 &&
    desc.filterWidth === 1 &&
    desc.strideHeight === 1 &&
    desc.strideWidth === 1 &&
    desc.padTop + desc.padBottom + desc.padLeft + desc.padRight === 0
  );
}

/**
 * The unfold stage alone: `(input, batch) => columns` with input `[batch, inChannels, inHeight,
 * inWidth]` and columns `[batch, inChannels · filterHeight · filterWidth, outHeight · outWidth]`.
 */
export function im2colStage(backend: Backend, desc: Conv2dDescriptor, batch: number) {
  const depth = desc.inChannels * desc.filterHeight * desc.filterWidth;
  const cols = desc.outHeight * desc.outWidth;
  const constants: Im2colConstants = {
    inChannels: desc.inChannels,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight: desc.outHeight,
    outWidth: desc.outWidth,
    filterHeight: desc.filterHeight,
    filterWidth: desc.filterWidth,
    strideHeight: desc.strideHeight,
    strideWidth: desc.strideWidth,
    dilationHeight: desc.dilationHeight,
    dilationWidth: desc.dilationWidth,
    padTop: desc.padTop,
    padLeft: desc.padLeft,
    padMode: PAD_MODE_CODES[desc.padMode],
    cols,
    depth,
  };
  return backend.kernel('im2col', im2colKernel, { ...constants }, batch * depth * cols, [padIndex]);
}

/**
 * 2-D convolution lowered to im2col + GEMM; same contract as `conv2d`:
 * `(input, weight, bias, batch) => output`, flat NCHW, `bias` may be `null`.
 */
export function conv2dIm2col(
  backend: Backend,
  desc: Conv2dDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  checkConv2d(desc);
  const gemmDesc: GemmDescriptor = {
    groups: desc.groups,
    rows: desc.outChannels / desc.groups,
    depth: (desc.inChannels / desc.groups) * desc.filterHeight * desc.filterWidth,
    cols: desc.outHeight * desc.outWidth,
    ...(desc.activation ? { activation: desc.activation } : {}),
  };
  const pointwise = isPointwise(desc);
  const stages = (batch: number): Stage[] =>
    pointwise
      ? [{ kernel: gemmStage(backend, gemmDesc, batch), args: [1, 0, 2] }]
      : [
          { kernel: im2colStage(backend, desc, batch), args: [0] },
          { kernel: gemmStage(backend, gemmDesc, batch), args: [1, 'previous', 2] },
        ];
  const cols = desc.outHeight * desc.outWidth;
  return makeLayer(
    (batch) => batch * desc.outChannels * cols,
    stages,
    { 2: new Float32Array(desc.outChannels) },
    {
      what: 'conv2d (im2col)',
      batched: [0],
      perSample: Math.max(
        desc.outChannels * cols,
        desc.inChannels * desc.inHeight * desc.inWidth,
        desc.inChannels * desc.filterHeight * desc.filterWidth * cols,
      ),
      whole: { weight: conv2dWeightLength(desc) },
    },
  );
}
