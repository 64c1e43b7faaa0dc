// The output-size arithmetic of windowed layers (convolution, transposed convolution, pooling),
// per spatial dimension, as LANGUAGE.md §6 states it. Pure numbers in, numbers out: the shape
// rules, the diagnostics and later the kernels' code generation all read the same results, as
// every tfjs backend reads `computeConv2DInfo`. Nothing here reports or throws. The output sizes
// themselves come from contract/output-size.ts, which the runtime's descriptor checks share.
import {
  convOutputSize,
  poolOutputSize,
  transposedOutputSize,
} from '../../contract/output-size.js';

/** Padding added before (`lo`: top/left/front) and after (`hi`: bottom/right/back) one dimension. */
export interface DimPadding {
  lo: number;
  hi: number;
}

/** The named padding modes of convolutions. */
export type PadMode = 'valid' | 'same' | 'full';

/** A layer's padding for every spatial dimension: explicit sides, or a mode resolved per dimension. */
export type Padding = { kind: 'explicit'; sides: DimPadding[] } | { kind: 'mode'; mode: PadMode };

/** Everything known about one spatial dimension of a windowed layer. */
export interface DimInfo {
  input: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** `dilation·(kernel−1) + 1`: the span of input one window covers. */
  effectiveKernel: number;
  padLo: number;
  padHi: number;
  /** May be ≤ 0, which the caller reports; never NaN for positive integer arguments. */
  output: number;
  /**
   * Rows of the padded input after the last window that no window reads:
   * `(input + padLo + padHi − effectiveKernel) mod stride`; 0 when the kernel does not fit or
   * `ceil` rounding reads a partial window.
   */
  remainder: number;
}

/** `d·(k−1) + 1`: the extent of a dilated kernel. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

/**
 * Resolves a padding mode for one dimension. `same` follows TensorFlow: the output is
 * `ceil(i/s)`, and the total padding `max((o−1)·s + e − i, 0)` is split with the odd row at the
 * end (`lo = floor(total/2)`). `full` pads `e − 1` on both sides, so every partial overlap counts.
 */
export function resolvePadMode(
  mode: PadMode,
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
): DimPadding {
  const extent = effectiveKernel(kernel, dilation);
  if (mode === 'valid') return { lo: 0, hi: 0 };
  if (mode === 'full') return { lo: extent - 1, hi: extent - 1 };
  const output = Math.ceil(input / stride);
  const total = Math.max((output - 1) * stride + extent - input, 0);
  const lo = Math.floor(total / 2);
  return { lo, hi: total - lo };
}

/** Convolution output size: `o = floor((i + lo + hi − e)/s) + 1`. */
export function convOutputDim(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: DimPadding,
): DimInfo {
  const extent = effectiveKernel(kernel, dilation);
  const span = input + pad.lo + pad.hi - extent;
  const output = convOutputSize(input, kernel, stride, dilation, pad.lo, pad.hi);
  const remainder = span >= 0 ? span % stride : 0;
  return {
    input,
    kernel,
    stride,
    dilation,
    effectiveKernel: extent,
    padLo: pad.lo,
    padHi: pad.hi,
    output,
    remainder,
  };
}

/**
 * Pooling output size, PyTorch's `pooling_output_shape`: with `ceil`,
 * `o = ceil((i + lo + hi − k)/s) + 1`, minus one when the last window would start in the right
 * padding (`(o−1)·s ≥ i + lo`), so every window overlaps the input.
 */
export function poolOutputDim(
  input: number,
  kernel: number,
  stride: number,
  pad: DimPadding,
  ceil: boolean,
): DimInfo {
  const floorInfo = convOutputDim(input, kernel, stride, 1, pad);
  if (!ceil || floorInfo.output <= 0) return floorInfo;
  const output = poolOutputSize(input, kernel, stride, pad.lo, pad.hi, true);
  // A window that ends past the padded input reads a partial window, so no row is left unread.
  const remainder = output > floorInfo.output ? 0 : floorInfo.remainder;
  return { ...floorInfo, output, remainder };
}

/**
 * Transposed-convolution output size (PyTorch `ConvTranspose2d`):
 * `o = (i−1)·s − lo − hi + d·(k−1) + output_pad + 1`.
 */
export function transposedOutputDim(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: DimPadding,
  outputPad: number,
): number {
  return transposedOutputSize(input, kernel, stride, dilation, pad.lo, pad.hi, outputPad);
}

/** The per-dimension window arguments of a layer, one entry per spatial dimension. */
export interface WindowArgs {
  kernel: readonly number[];
  stride: readonly number[];
  dilation: readonly number[];
  padding: Padding;
}

/** The padding of dimension `idx` of `args` for an input of size `input`. */
export function padForDim(args: WindowArgs, idx: number, input: number): DimPadding {
  if (args.padding.kind === 'explicit') return args.padding.sides[idx];
  return resolvePadMode(
    args.padding.mode,
    input,
    args.kernel[idx],
    args.stride[idx],
    args.dilation[idx],
  );
}

/**
 * The convolution arithmetic of every spatial dimension of `inSpatial` (e.g. `[height, width]`),
 * like tfjs's `computeConv2DInfo`.
 */
export function computeConvInfo(inSpatial: readonly number[], args: WindowArgs): DimInfo[] {
  return inSpatial.map((input, idx) =>
    convOutputDim(
      input,
      args.kernel[idx],
      args.stride[idx],
      args.dilation[idx],
      padForDim(args, idx, input),
    ),
  );
}

/** The pooling arithmetic of every spatial dimension (pools have no dilation or padding modes). */
export function computePoolInfo(
  inSpatial: readonly number[],
  args: WindowArgs,
  ceil: boolean,
): DimInfo[] {
  return inSpatial.map((input, idx) =>
    poolOutputDim(input, args.kernel[idx], args.stride[idx], padForDim(args, idx, input), ceil),
  );
}

/** The product of a list of sizes (1 for an empty list). */
export function product(sizes: readonly number[]): number {
  return sizes.reduce((acc, size) => acc * size, 1);
}
