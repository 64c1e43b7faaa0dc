// Properties of the output-size arithmetic over random sizes (fast-check), checked against
// definitions rather than formulas: counting window positions one by one, and what `same`,
// `full` and `ceil` promise.
import test from 'ava';
import fc from 'fast-check';
import {
  convOutputDim,
  effectiveKernel,
  poolOutputDim,
  resolvePadMode,
  transposedOutputDim,
} from '../../compiler/shapes/conv-arithmetic.js';

const small = fc.integer({ min: 1, max: 40 });
const window = fc.record({
  input: small,
  kernel: fc.integer({ min: 1, max: 9 }),
  stride: fc.integer({ min: 1, max: 5 }),
  dilation: fc.integer({ min: 1, max: 3 }),
  lo: fc.integer({ min: 0, max: 4 }),
  hi: fc.integer({ min: 0, max: 4 }),
});

/** Counts the window starts 0, s, 2s, … whose whole extent lies in the padded input. */
function countWindows(padded: number, extent: number, stride: number): number {
  let count = 0;
  for (let start = 0; start + extent <= padded; start += stride) count++;
  return count;
}

test('conv output = the number of window positions that fit', (t) => {
  fc.assert(
    fc.property(window, ({ input, kernel, stride, dilation, lo, hi }) => {
      const info = convOutputDim(input, kernel, stride, dilation, { lo, hi });
      const extent = effectiveKernel(kernel, dilation);
      const expected = countWindows(input + lo + hi, extent, stride);
      // A kernel that does not fit gives o ≤ 0, never a positive count.
      return expected === 0 ? info.output <= 0 : info.output === expected;
    }),
  );
  t.pass();
});

test('the unread remainder is what lies after the last window', (t) => {
  fc.assert(
    fc.property(window, ({ input, kernel, stride, dilation, lo, hi }) => {
      const info = convOutputDim(input, kernel, stride, dilation, { lo, hi });
      if (info.output <= 0) return true;
      const lastEnd = (info.output - 1) * stride + info.effectiveKernel;
      return info.remainder === input + lo + hi - lastEnd;
    }),
  );
  t.pass();
});

test('same padding gives ceil(i/s) and splits with the extra row at the end', (t) => {
  fc.assert(
    fc.property(window, ({ input, kernel, stride, dilation }) => {
      const pad = resolvePadMode('same', input, kernel, stride, dilation);
      const info = convOutputDim(input, kernel, stride, dilation, pad);
      return (
        info.output === Math.ceil(input / stride) && pad.hi - pad.lo >= 0 && pad.hi - pad.lo <= 1
      );
    }),
  );
  t.pass();
});

test('full padding at stride 1 gives i + e − 1', (t) => {
  fc.assert(
    fc.property(window, ({ input, kernel, dilation }) => {
      const pad = resolvePadMode('full', input, kernel, 1, dilation);
      const info = convOutputDim(input, kernel, 1, dilation, pad);
      return info.output === input + effectiveKernel(kernel, dilation) - 1;
    }),
  );
  t.pass();
});

test('ceil pooling adds at most one window, and every window starts before the right padding', (t) => {
  fc.assert(
    fc.property(window, ({ input, kernel, stride, lo, hi }) => {
      const padLo = Math.min(lo, Math.floor(kernel / 2));
      const padHi = Math.min(hi, Math.floor(kernel / 2));
      const pad = { lo: padLo, hi: padHi };
      const floor = poolOutputDim(input, kernel, stride, pad, false).output;
      const ceil = poolOutputDim(input, kernel, stride, pad, true).output;
      if (floor <= 0) return ceil === floor;
      const lastStart = (ceil - 1) * stride;
      return ceil - floor <= 1 && ceil >= floor && lastStart < input + padLo;
    }),
  );
  t.pass();
});

test('transposed convolution inverts the size of the forward convolution', (t) => {
  fc.assert(
    fc.property(window, ({ input, kernel, stride, dilation, lo }) => {
      const pad = { lo, hi: lo };
      const forward = convOutputDim(input, kernel, stride, dilation, pad);
      if (forward.output <= 0) return true;
      // output_pad = the remainder restores exactly the size the forward convolution consumed.
      const back = transposedOutputDim(
        forward.output,
        kernel,
        stride,
        dilation,
        pad,
        forward.remainder,
      );
      return back === input;
    }),
  );
  t.pass();
});
