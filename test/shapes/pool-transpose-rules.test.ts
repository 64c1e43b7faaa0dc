// Shape rules of pooling and transposed convolution on hand-built nodes; expected values worked
// by hand from LANGUAGE.md §6 and PyTorch's documented formulas.
import test from 'ava';
import { inferLayer } from '../helpers/infer-layer.js';

test('maxpool(2) halves LeNet maps at no cost', (t) => {
  const { result, codes } = inferLayer('maxpool', { kernel: 2 }, [6, 28, 28]);
  t.deepEqual(codes, []);
  t.deepEqual(result, { shape: [6, 14, 14], cost: { params: 0, buffers: 0, macs: 0 } });
});

test('maxpool(3, stride=2, ceil=true): GoogLeNet 112 → 56', (t) => {
  const { result } = inferLayer('maxpool', { kernel: 3, stride: 2, ceil: true }, [64, 112, 112]);
  t.deepEqual(result?.shape, [64, 56, 56]);
});

test('global and adaptive pooling', (t) => {
  t.deepEqual(inferLayer('avgpool', { kernel: 'global' }, [512, 7, 7]).result?.shape, [512, 1, 1]);
  t.deepEqual(inferLayer('maxpool', { kernel: 'global' }, [64, 100]).result?.shape, [64, 1]);
  const adaptive = inferLayer('avgpool', { adaptive: [6, 6] }, [256, 13, 13]);
  t.deepEqual(adaptive.result?.shape, [256, 6, 6]);
  t.deepEqual(inferLayer('avgpool', { adaptive: 1 }, [512, 7, 7]).result?.shape, [512, 1, 1]);
});

test('both a kernel and adaptive: CNN3020', (t) => {
  t.deepEqual(inferLayer('maxpool', { kernel: 2, adaptive: 3 }, [3, 8, 8]).codes, ['CNN3020']);
});

test('pooling 1-D and 3-D values', (t) => {
  t.deepEqual(inferLayer('maxpool', { kernel: 2 }, [8, 10]).result?.shape, [8, 5]);
  t.deepEqual(inferLayer('avgpool', { kernel: 2 }, [2, 8, 8, 8]).result?.shape, [2, 4, 4, 4]);
  t.deepEqual(inferLayer('lppool', { kernel: 2 }, [4, 8, 8]).result?.shape, [4, 4, 4]);
});

test('pooling padding above half the kernel: CNN3018', (t) => {
  const { diagnostics } = inferLayer('maxpool', { kernel: 2, pad: 2 }, [3, 8, 8]);
  t.deepEqual(
    diagnostics.map((d) => d.code),
    ['CNN3018'],
  );
  t.is(diagnostics[0].hints[0], 'use `pad=1`');
});

test('pooling kernel larger than the input: CNN3001 proposes global pooling', (t) => {
  const { diagnostics } = inferLayer('maxpool', { kernel: 5 }, [3, 4, 4]);
  t.is(diagnostics[0].code, 'CNN3001');
  t.is(diagnostics[0].message, 'the 5×5 kernel does not fit the 4×4 input');
  t.regex(diagnostics[0].hints[1], /`maxpool\(global\)`/);
});

test('maxpool(2) on 7×7 drops the last row and column: CNN3010; ceil=true reads them', (t) => {
  const floor = inferLayer('maxpool', { kernel: 2 }, [3, 7, 7]);
  t.deepEqual(floor.result?.shape, [3, 3, 3]);
  t.deepEqual(floor.codes, ['CNN3010']);
  t.is(floor.diagnostics[0].hints[0], '`ceil=true` adds a last, partial window');
  const ceil = inferLayer('maxpool', { kernel: 2, ceil: true }, [3, 7, 7]);
  t.deepEqual(ceil.result?.shape, [3, 4, 4]);
  t.deepEqual(ceil.codes, []);
});

test('pooling a 1-D value of rank 1: CNN3011', (t) => {
  t.deepEqual(inferLayer('maxpool', { kernel: 2 }, [10]).codes, ['CNN3011']);
});

test('convtranspose doubles with output_pad (PyTorch doc round trip 6 → 12)', (t) => {
  const args = { out: 16, kernel: 3, stride: 2, pad: 1, output_pad: 1 };
  const { result, codes } = inferLayer('convtranspose', args, [16, 6, 6]);
  t.deepEqual(codes, []);
  t.deepEqual(result?.shape, [16, 12, 12]);
  // 16·16·9 + 16 = 2,320 params; 16·16·9 per input position · 36 positions = 82,944 MACs.
  t.deepEqual(result?.cost, { params: 2320, buffers: 0, macs: 82_944 });
});

test('convtranspose(32, 2, stride=2): the U-Net up-convolution', (t) => {
  const { result } = inferLayer('convtranspose', { out: 32, kernel: 2, stride: 2 }, [64, 28, 28]);
  t.deepEqual(result?.shape, [32, 56, 56]);
  t.is(result?.cost.params, 64 * 32 * 4 + 32);
});

test('output_pad not below the stride: CNN3017', (t) => {
  const args = { out: 8, kernel: 3, stride: 2, output_pad: 2 };
  const { diagnostics } = inferLayer('convtranspose', args, [8, 6, 6]);
  t.deepEqual(
    diagnostics.map((d) => d.code),
    ['CNN3017'],
  );
  t.is(diagnostics[0].hints[0], 'use `output_pad=1` or less, or a larger stride');
});

test('convtranspose whose padding removes everything: CNN3001 with the formula', (t) => {
  const { diagnostics } = inferLayer('convtranspose', { out: 1, kernel: 3, pad: 5 }, [1, 2, 2]);
  t.is(diagnostics[0].code, 'CNN3001');
  // (2 − 1)·1 − 5 − 5 + 1·(3 − 1) + 0 + 1 = −6.
  t.is(diagnostics[0].notes[0], 'height: (2 − 1)·1 − 5 − 5 + 1·(3 − 1) + 0 + 1 = -6');
  t.is(diagnostics[0].hints[0], 'use `pad=1` or less');
});

test('convtranspose on [channels, length]: CNN3011', (t) => {
  t.deepEqual(inferLayer('convtranspose', { out: 8, kernel: 2 }, [4, 10]).codes, ['CNN3011']);
});
