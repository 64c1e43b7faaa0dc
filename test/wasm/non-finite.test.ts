// Non-finite inputs flow through the wasm target's activations as they do in PyTorch: relu, relu6
// and hardswish of NaN are NaN (never 0 or 6), so a NaN in the data reaches the output and the
// training loop's non-finite check instead of vanishing. Both the scalar form (a count that is
// not a multiple of four leaves a scalar tail) and the f32x4 form, standalone and fused into a
// convolution's epilogue, on 1 and 2 threads. Expected values are PyTorch's definitions:
// relu(x) = max(x, 0) with NaN propagating, relu6(x) = min(max(x, 0), 6), hardswish(x) =
// x·relu6(x + 3)/6.
import test from 'ava';
import { buildWasm } from './build-wasm.js';

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2, 0, 2.5, 7];

function reference(kind: string, x: number): number {
  const relu = (v: number) => (Number.isNaN(v) ? v : v < 0 ? 0 : v);
  const relu6 = (v: number) => (Number.isNaN(v) ? v : Math.min(relu(v), 6));
  if (kind === 'relu') return relu(x);
  if (kind === 'relu6') return relu6(x);
  // hardswish as PyTorch computes it, so hardswish(−∞) = −∞·0 = NaN there too.
  return (x * relu6(x + 3)) / 6;
}

function same(actual: number, expected: number): boolean {
  return Number.isNaN(expected) ? Number.isNaN(actual) : actual === expected;
}

for (const kind of ['relu', 'relu6', 'hardswish']) {
  test(`${kind} of NaN and ±∞ (scalar tail and f32x4 body) as PyTorch`, async (t) => {
    // 3·5·7 = 105 values a sample: 26 vectors and a scalar tail of 1.
    const source = `model M {\n  input x: [3, 5, 7]\n  ${kind}\n  output y\n}\n`;
    const { module } = await buildWasm(`non-finite-${kind}`, source);
    const size = 105;
    const x = new Float32Array(size * 2).map((_, i) => SPECIAL[i % SPECIAL.length]);
    for (const threads of [1, 2]) {
      const model = await module.create({ threads, workers: 'always' });
      try {
        const y = await model.forward(x, 2);
        const wrong = [...y].findIndex((v, i) => !same(v, Math.fround(reference(kind, x[i]))));
        t.is(wrong, -1, wrong >= 0 ? `${kind}(${x[wrong]}) = ${y[wrong]}` : '');
      } finally {
        await model.dispose();
      }
    }
  });
}

test('a NaN pixel reaches the output through conv + relu (the fused f32x4 epilogue)', async (t) => {
  const source = `model M {\n  input x: [4, 8, 8]\n  conv(8, 3, pad=1)\n  relu\n  output y\n}\n`;
  const { module } = await buildWasm('non-finite-conv-relu', source);
  const x = new Float32Array(4 * 8 * 8).fill(0.5);
  x[2 * 64 + 3 * 8 + 4] = Number.NaN;
  const model = await module.create({ threads: 1, seed: 3 });
  try {
    const y = await model.forward(x, 1);
    // Every output channel at the 3×3 neighbourhood of (3, 4) reads the NaN.
    for (let c = 0; c < 8; c++)
      for (const [h, w] of [
        [3, 4],
        [2, 3],
        [4, 5],
      ])
        t.true(Number.isNaN(y[c * 64 + h * 8 + w]), `channel ${c} at (${h}, ${w})`);
    t.false(Number.isNaN(y[0]), 'far from the NaN the output is finite');
  } finally {
    await model.dispose();
  }
});
