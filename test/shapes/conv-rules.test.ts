// Shape rules of conv, conv1d, conv3d, depthwise and separable on hand-built nodes. Expected
// shapes and costs are worked by hand from LANGUAGE.md §6 (or the cited source).
import test from 'ava';
import { inferLayer } from '../helpers/infer-layer.js';

test('conv(6, 5) on [1, 32, 32]: LeNet C1, 156 params', (t) => {
  const { result, codes } = inferLayer('conv', { out: 6, kernel: 5 }, [1, 32, 32]);
  t.deepEqual(codes, []);
  t.deepEqual(result?.shape, [6, 28, 28]);
  // 6·1·25 + 6 = 156; MACs 6·28·28·25 = 117,600.
  t.deepEqual(result?.cost, { params: 156, buffers: 0, macs: 117_600 });
});

test('conv(10, 5, pad=2) on [3, 32, 32]: seed 003 example, 760 params', (t) => {
  const { result } = inferLayer('conv', { out: 10, kernel: 5, pad: 2 }, [3, 32, 32]);
  t.deepEqual(result?.shape, [10, 32, 32]);
  t.is(result?.cost.params, 760);
});

test('conv(4, 3) on 3 channels: seed 000 example, (3·3·3 + 1)·4 = 112 params', (t) => {
  t.is(inferLayer('conv', { out: 4, kernel: 3 }, [3, 8, 8]).result?.cost.params, 112);
});

test('conv with tuple kernel, stride, pad and dilation (PyTorch Conv2d doc example)', (t) => {
  const args = { out: 33, kernel: [3, 5], stride: [2, 1], pad: [4, 2], dilation: [3, 1] };
  const { result, codes } = inferLayer('conv', args, [16, 50, 100]);
  t.deepEqual(codes, []);
  t.deepEqual(result?.shape, [33, 26, 100]);
  // 33·16·15 + 33 = 7,953.
  t.is(result?.cost.params, 7953);
});

test('conv with groups=2: params and MACs divide by the groups', (t) => {
  const { result } = inferLayer('conv', { out: 64, kernel: 3, pad: 1, groups: 2 }, [32, 8, 8]);
  // 64·16·9 + 64 = 9,280; MACs 64·64·16·9 = 589,824.
  t.deepEqual(result?.cost, { params: 9280, buffers: 0, macs: 589_824 });
});

test('conv with groups that do not divide the input channels: CNN3013', (t) => {
  const { result, diagnostics } = inferLayer('conv', { out: 63, kernel: 3, groups: 3 }, [64, 8, 8]);
  t.is(result, undefined);
  t.is(diagnostics[0].code, 'CNN3013');
  t.is(diagnostics[0].message, 'groups=3 does not divide the 64 input channels');
});

test('conv1d and conv3d', (t) => {
  const one = inferLayer('conv1d', { out: 8, kernel: 3 }, [4, 10]).result;
  t.deepEqual(one?.shape, [8, 8]);
  t.is(one?.cost.params, 8 * 4 * 3 + 8);
  const three = inferLayer('conv3d', { out: 8, kernel: 3, pad: 1 }, [2, 4, 8, 8]).result;
  t.deepEqual(three?.shape, [8, 4, 8, 8]);
  t.is(three?.cost.params, 8 * 2 * 27 + 8);
});

test('conv on a 1-D value: CNN3011', (t) => {
  const { diagnostics } = inferLayer('conv', { out: 8, kernel: 3 }, [256]);
  t.deepEqual(
    diagnostics.map((d) => d.code),
    ['CNN3011'],
  );
  t.is(diagnostics[0].message, '`conv` expects a [channels, height, width] input, found [256]');
  t.is(diagnostics[0].labels[0].message, 'output is [256]');
});

test('conv on [channels, length] suggests conv1d', (t) => {
  const { diagnostics } = inferLayer('conv', { out: 8, kernel: 3 }, [4, 10]);
  t.regex(diagnostics[0].hints[0], /`conv1d` takes \[channels, length\] inputs/);
});

test('tuple arguments of the wrong length: CNN3012, one per argument', (t) => {
  const { result, codes } = inferLayer(
    'conv',
    { out: 8, kernel: [3, 3, 3], stride: [1, 1, 1] },
    [3, 8, 8],
  );
  t.is(result, undefined);
  t.deepEqual(codes, ['CNN3012', 'CNN3012']);
});

test('four pad values in a tuple: CNN3012 suggests the list of sides', (t) => {
  const { diagnostics } = inferLayer('conv', { out: 8, kernel: 3, pad: [1, 1, 2, 2] }, [3, 8, 8]);
  t.is(diagnostics[0].code, 'CNN3012');
  t.regex(diagnostics[0].hints[0], /`pad=\[1, 1, 2, 2\]`/);
});

test('three explicit sides for a 2-D conv: CNN3012', (t) => {
  const { diagnostics } = inferLayer(
    'conv',
    { out: 8, kernel: 3, pad: { sides: [1, 1, 1] } },
    [3, 8, 8],
  );
  t.is(diagnostics[0].code, 'CNN3012');
  t.regex(diagnostics[0].hints[0], /\[top, bottom, left, right\]/);
});

test('explicit sides [top, bottom, left, right]', (t) => {
  // Height (4 + 0 + 1 − 2) + 1 = 4; width (4 + 2 + 0 − 2) + 1 = 5.
  const { result } = inferLayer(
    'conv',
    { out: 1, kernel: 2, pad: { sides: [0, 1, 2, 0] } },
    [1, 4, 4],
  );
  t.deepEqual(result?.shape, [1, 4, 5]);
});

test('pad=same (TensorFlow) and pad=full', (t) => {
  const same = inferLayer('conv', { out: 8, kernel: 5, stride: 2, pad: 'same' }, [3, 224, 224]);
  t.deepEqual(same.result?.shape, [8, 112, 112]);
  t.deepEqual(same.codes, []);
  const full = inferLayer('conv', { out: 1, kernel: 3, pad: 'full' }, [1, 5, 5]);
  t.deepEqual(full.result?.shape, [1, 7, 7]);
});

test('a kernel larger than the input: CNN3001 with the arithmetic and the padding that fits', (t) => {
  const { result, diagnostics } = inferLayer('conv', { out: 8, kernel: 5 }, [3, 4, 4]);
  t.is(result, undefined);
  const [error] = diagnostics;
  t.is(error.code, 'CNN3001');
  t.is(error.message, 'the 5×5 kernel does not fit the 4×4 input');
  t.deepEqual(error.notes, ['height: (4 + 0 − 5)/1 + 1 = 0', 'width: (4 + 0 − 5)/1 + 1 = 0']);
  t.is(error.hints[0], '`pad=2` (or `pad=same`) keeps the 4×4 size');
  t.is(error.hints[1], '`pad=1` is the least padding that fits (output 2×2)');
});

test('stride leaving input rows unread: CNN3010 warning, shape still inferred', (t) => {
  const { result, diagnostics } = inferLayer('conv', { out: 8, kernel: 6, stride: 5 }, [1, 13, 13]);
  t.deepEqual(result?.shape, [8, 2, 2]);
  t.is(diagnostics[0].code, 'CNN3010');
  t.is(diagnostics[0].severity, 'warning');
  t.is(
    diagnostics[0].message,
    'stride 5 never reads the last 2 rows and the last 2 columns of the [1, 13, 13] input',
  );
});

test('no warning when only padding is left unread (ResNet stem)', (t) => {
  const args = { out: 64, kernel: 7, stride: 2, pad: 3, bias: false };
  const { result, codes } = inferLayer('conv', args, [3, 224, 224]);
  t.deepEqual(codes, []);
  t.deepEqual(result?.shape, [64, 112, 112]);
  // 64·3·49 = 9,408 params; 64·112·112·147 = 118,013,952 MACs (torchvision resnet18 conv1).
  t.deepEqual(result?.cost, { params: 9408, buffers: 0, macs: 118_013_952 });
});

test('no warning for a 1×1 stride-2 projection, which skips rows by design', (t) => {
  const { result, codes } = inferLayer('conv', { out: 128, kernel: 1, stride: 2 }, [64, 56, 56]);
  t.deepEqual(codes, []);
  t.deepEqual(result?.shape, [128, 28, 28]);
});

test('reflect padding must be smaller than the input: CNN3019', (t) => {
  const bad = inferLayer('conv', { out: 4, kernel: 3, pad: 3, pad_mode: 'reflect' }, [1, 3, 3]);
  t.deepEqual(bad.codes, ['CNN3019']);
  const good = inferLayer('conv', { out: 4, kernel: 3, pad: 2, pad_mode: 'reflect' }, [1, 3, 3]);
  t.deepEqual(good.result?.shape, [4, 5, 5]);
  const circular = inferLayer(
    'conv',
    { out: 4, kernel: 3, pad: 3, pad_mode: 'circular' },
    [1, 3, 3],
  );
  t.deepEqual(circular.codes, []);
});

test('depthwise: groups = channels, multiplier filters each', (t) => {
  const plain = inferLayer('depthwise', { kernel: 3, pad: 1 }, [32, 112, 112]).result;
  t.deepEqual(plain?.shape, [32, 112, 112]);
  // 32·9 + 32 = 320 params; 32·112·112·9 = 3,612,672 MACs.
  t.deepEqual(plain?.cost, { params: 320, buffers: 0, macs: 3_612_672 });
  const doubled = inferLayer('depthwise', { kernel: 3, multiplier: 2, bias: false }, [8, 10, 10]);
  t.deepEqual(doubled.result?.shape, [16, 8, 8]);
  t.is(doubled.result?.cost.params, 144);
});

test('separable: depthwise without bias, then pointwise with bias (Keras)', (t) => {
  const { result } = inferLayer('separable', { out: 64, kernel: 3, pad: 1 }, [32, 10, 10]);
  t.deepEqual(result?.shape, [64, 10, 10]);
  // 32·9 + 32·64 + 64 = 2,400; MACs 32·100·9 + 64·100·32 = 233,600.
  t.deepEqual(result?.cost, { params: 2400, buffers: 0, macs: 233_600 });
  const noBias = inferLayer('separable', { out: 64, kernel: 3, pad: 1, bias: false }, [32, 10, 10]);
  t.is(noBias.result?.cost.params, 2336);
  t.deepEqual(inferLayer('separable', { out: 16, kernel: 3 }, [8, 20]).result?.shape, [16, 18]);
});
