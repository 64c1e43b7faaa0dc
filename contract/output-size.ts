// The one output-size arithmetic of windowed layers (LANGUAGE.md §6), per spatial dimension: the
// compiler's shape rules (compiler/shapes/conv-arithmetic.ts) and the runtime's descriptor checks
// (runtime/kernels/) both compute with these functions, so they cannot disagree. Pure numbers.

/** Convolution output size: `o = floor((i + lo + hi − (d·(k−1) + 1)) / s) + 1` (may be ≤ 0). */
export function convOutputSize(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  lo: number,
  hi: number,
): number {
  const effective = dilation * (kernel - 1) + 1;
  return Math.floor((input + lo + hi - effective) / stride) + 1;
}

/**
 * Pooling output size, PyTorch's `pooling_output_shape`: the convolution rule, or with `ceil`
 * `o = ceil((i + lo + hi − k)/s) + 1`, minus one when the last window would start in the right
 * padding (`(o−1)·s ≥ i + lo`), so every window overlaps the input.
 */
export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  lo: number,
  hi: number,
  ceil: boolean,
): number {
  const floor = convOutputSize(input, kernel, stride, 1, lo, hi);
  if (!ceil || floor <= 0) return floor;
  let output = Math.ceil((input + lo + hi - kernel) / stride) + 1;
  if ((output - 1) * stride >= input + lo) output -= 1;
  return output;
}

/**
 * Transposed-convolution output size (PyTorch `ConvTranspose2d`):
 * `o = (i−1)·s − lo − hi + d·(k−1) + output_pad + 1`.
 */
export function transposedOutputSize(
  input: number,
  kernel: number,
  stride: number,
  dilation: number,
  lo: number,
  hi: number,
  outputPad: number,
): number {
  return (input - 1) * stride - lo - hi + dilation * (kernel - 1) + outputPad + 1;
}
