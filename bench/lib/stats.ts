// Small statistics of the benchmark: order statistics of timings and the relative difference of
// two outputs.

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  count: number;
}

/** Median (mean of the middle two for an even count), min and max of `times`, in ms. */
export function summarizeTimes(times: readonly number[]): Timing {
  if (times.length === 0) throw new Error('no timings');
  const sorted = [...times].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { medianMs, minMs: sorted[0], maxMs: sorted[sorted.length - 1], count: sorted.length };
}

/**
 * How far `actual` is from `expected`: max |actual − expected| over max |expected|, so one number
 * per output tensor that does not blow up on entries near zero. NaN when the lengths differ or a
 * value is not finite.
 */
export function relativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length || expected.length === 0) return NaN;
  let maxDiff = 0;
  let scale = 0;
  for (let idx = 0; idx < expected.length; idx++) {
    const diff = Math.abs(actual[idx] - expected[idx]);
    if (!Number.isFinite(diff)) return NaN;
    maxDiff = Math.max(maxDiff, diff);
    scale = Math.max(scale, Math.abs(expected[idx]));
  }
  return scale === 0 ? (maxDiff === 0 ? 0 : Infinity) : maxDiff / scale;
}
