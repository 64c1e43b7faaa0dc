// Float64 gradient references by central finite differences on the float64 forward reference
// (test/helpers/reference.ts), and the relative-error measure the gradient checks use.

/** A float64 function of several flat inputs with one flat output. */
export type RefFunction = (inputs: Float64Array[]) => Float64Array;

/**
 * Gradients of the scalar `L = Σ upstream · f(inputs)` with respect to every input, by central
 * differences `(L(x + h) − L(x − h)) / 2h` in float64. With `h = 1e-5` the truncation error
 * (O(h²)) and the rounding error (O(ε/h)) both stay far below the checks' 1e-3.
 */
export function finiteDifferences(
  f: RefFunction,
  inputs: readonly ArrayLike<number>[],
  upstream: ArrayLike<number>,
  h = 1e-5,
): Float64Array[] {
  const point = inputs.map((input) => Float64Array.from(input));
  const scalar = (): number => {
    const out = f(point);
    if (out.length !== upstream.length) {
      throw new Error(`reference gives ${out.length} values, upstream has ${upstream.length}`);
    }
    let acc = 0;
    for (let idx = 0; idx < out.length; idx++) acc += upstream[idx] * out[idx];
    return acc;
  };
  return point.map((values) => {
    const grad = new Float64Array(values.length);
    for (let idx = 0; idx < values.length; idx++) {
      const saved = values[idx];
      values[idx] = saved + h;
      const plus = scalar();
      values[idx] = saved - h;
      const minus = scalar();
      values[idx] = saved;
      grad[idx] = (plus - minus) / (2 * h);
    }
    return grad;
  });
}

/**
 * Relative error of `actual` against `expected`: the largest elementwise difference over the
 * largest magnitude of `expected` (the max-norm relative error), 0 for two zero tensors. Being
 * relative to the tensor's scale, it tolerates float32 rounding of near-zero entries.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let idx = 0; idx < actual.length; idx++) {
    const d = Math.abs(actual[idx] - expected[idx]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[idx]));
  }
  if (diff === 0) return 0;
  return diff / Math.max(scale, 1e-12);
}

/** Mean over the batch of the training-mode statistics of `[N, C, …]`: per-channel mean and biased variance. */
export function batchStatistics(
  data: Float64Array,
  batch: number,
  channels: number,
): { mean: number[]; variance: number[] } {
  const spatial = data.length / (batch * channels);
  const count = batch * spatial;
  const mean = new Array<number>(channels).fill(0);
  const variance = new Array<number>(channels).fill(0);
  for (let idx = 0; idx < data.length; idx++)
    mean[Math.floor(idx / spatial) % channels] += data[idx];
  for (let c = 0; c < channels; c++) mean[c] /= count;
  for (let idx = 0; idx < data.length; idx++) {
    const c = Math.floor(idx / spatial) % channels;
    variance[c] += (data[idx] - mean[c]) ** 2;
  }
  for (let c = 0; c < channels; c++) variance[c] /= count;
  return { mean, variance };
}
