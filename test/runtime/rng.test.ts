// The seeded generator and the initialisers: reproducible streams, the distributions' moments, and
// PyTorch's bounds and fans.
import test from 'ava';
import { createRng, fans, glorotInit, heInit, pytorchDefaultInit } from '../../runtime/rng.js';

function moments(values: ArrayLike<number>): {
  mean: number;
  std: number;
  min: number;
  max: number;
} {
  let sum = 0;
  let squares = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    squares += values[i] ** 2;
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean ** 2), min, max };
}

test('the same seed gives the same stream; another seed another', (t) => {
  const draw = (seed: number) => Array.from({ length: 5 }, createRng(seed).next);
  t.deepEqual(draw(42), draw(42));
  t.notDeepEqual(draw(42), draw(43));
});

test('uniform samples lie in [0, 1) with mean 1/2 and std 1/√12', (t) => {
  const rng = createRng(7);
  const values = Array.from({ length: 20000 }, rng.next);
  const { mean, std, min, max } = moments(values);
  t.true(min >= 0 && max < 1);
  t.true(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  t.true(Math.abs(std - 1 / Math.sqrt(12)) < 0.01, `std ${std}`);
});

test('normal samples have the requested mean and std', (t) => {
  const rng = createRng(11);
  const { mean, std } = moments(Array.from({ length: 20000 }, () => rng.normal(3, 2)));
  t.true(Math.abs(mean - 3) < 0.05, `mean ${mean}`);
  t.true(Math.abs(std - 2) < 0.05, `std ${std}`);
});

test('fans follow PyTorch: conv [out, in/groups, kh, kw], linear [out, in]', (t) => {
  t.deepEqual(fans([16, 3, 5, 5]), { fanIn: 75, fanOut: 400 });
  t.deepEqual(fans([10, 84]), { fanIn: 84, fanOut: 10 });
});

test('PyTorch default init: weight and bias uniform in ±1/√fanIn, reproducible', (t) => {
  const { weight, bias } = pytorchDefaultInit(createRng(1), [16, 3, 5, 5], true);
  const bound = 1 / Math.sqrt(75);
  const w = moments(weight);
  t.true(w.min >= -bound && w.max <= bound && w.max > 0.9 * bound);
  t.true(bias !== null && moments(bias).max <= bound);
  t.deepEqual(pytorchDefaultInit(createRng(1), [16, 3, 5, 5], true).weight, weight);
  t.is(pytorchDefaultInit(createRng(1), [4, 4], false).bias, null);
});

test('He normal has std √(2/fanIn); Glorot uniform is bounded by √(6/(fanIn+fanOut))', (t) => {
  const he = moments(heInit(createRng(2), [64, 32, 3, 3]));
  t.true(Math.abs(he.std - Math.sqrt(2 / 288)) < 0.003, `std ${he.std}`);
  const glorot = moments(glorotInit(createRng(3), [200, 100]));
  const bound = Math.sqrt(6 / 300);
  t.true(glorot.min >= -bound && glorot.max <= bound && glorot.max > 0.95 * bound);
});
