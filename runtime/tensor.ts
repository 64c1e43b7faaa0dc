// Small tensor helpers shared by the kernels, the generated modules and the tests.
// Every tensor in cnnc's runtime is a flat `Float32Array` in row-major NCHW order.

/** A per-sample or batched shape, outermost dimension first (e.g. `[batch, channels, height, width]`). */
export type Shape = readonly number[];

/** Number of elements of `shape` (1 for the empty shape). */
export function shapeSize(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Row-major strides of `shape`, in elements: the last dimension has stride 1. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

/** Flat offset of element `(n, c, h, w)` in a flat NCHW tensor of `[batch, channels, height, width]`. */
export function nchwIndex(
  channels: number,
  height: number,
  width: number,
  n: number,
  c: number,
  h: number,
  w: number,
): number {
  return ((n * channels + c) * height + h) * width + w;
}

/** Result of {@link allclose}: whether all elements agree, and the worst offender when not. */
export interface CloseReport {
  ok: boolean;
  /** The largest `|actual − expected| / (atol + rtol·|expected|)` ratio; ≤ 1 means within tolerance. */
  worstRatio: number;
  worstIndex: number;
  message: string;
}

/**
 * Compares two flat tensors elementwise: `|actual − expected| ≤ atol + rtol·|expected|`, as numpy's
 * `allclose`. Lengths must match; NaNs never match.
 */
export function allclose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-4,
  atol = 1e-5,
): CloseReport {
  if (actual.length !== expected.length) {
    const message = `length mismatch: actual ${actual.length}, expected ${expected.length}`;
    return { ok: false, worstRatio: Infinity, worstIndex: -1, message };
  }
  let worstRatio = 0;
  let worstIndex = -1;
  for (let idx = 0; idx < actual.length; idx++) {
    const ratio = Math.abs(actual[idx] - expected[idx]) / (atol + rtol * Math.abs(expected[idx]));
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worstIndex = idx;
    }
  }
  const ok = worstRatio <= 1;
  const message = ok
    ? 'all close'
    : `element ${worstIndex}: actual ${actual[worstIndex]}, expected ${expected[worstIndex]} ` +
      `(${worstRatio.toFixed(2)}× the tolerance atol=${atol} rtol=${rtol})`;
  return { ok, worstRatio, worstIndex, message };
}
