// .npy loading: arrays built byte by byte from numpy.lib.format in versions 1–3 and every supported
// dtype, both folder layouts, and one clear one-line rejection per unsupported or damaged file.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { npyToFloat32, npyToLabels, parseNpy } from '../../../trainer/core/data/npy.js';
import { loadTrainingData } from '../../../trainer/io/data/load.js';
import { catchTrainError } from '../../../trainer/core/errors.js';
import { f32le, f64le, i32le, i64le, npyBytes, tempDir } from '../fixtures.js';

const values = [0, 1, 2, 3, 4, 5];
const dtypeCases: [string, Uint8Array, number[]][] = [
  ['<f4', f32le([0.5, -1, 2, 3, 4, 5]), [0.5, -1, 2, 3, 4, 5]],
  ['<f8', f64le([0.25, 1, 2, 3, 4, 5]), [0.25, 1, 2, 3, 4, 5]],
  ['|u1', Uint8Array.from([0, 51, 102, 153, 204, 255]), values.map((v) => Math.fround(v / 5))],
  ['<i4', i32le([0, -1, 2, 3, 4, 5]), [0, -1, 2, 3, 4, 5]],
  ['<i8', i64le(values), values],
  ['|b1', Uint8Array.from([0, 1, 0, 1, 1, 0]), [0, 1, 0, 1, 1, 0]],
];
for (const major of [1, 2, 3]) {
  for (const [descr, bytes, expected] of dtypeCases) {
    test(`npy v${major}.0 dtype=${descr} shape=[2,3]`, (t) => {
      const array = parseNpy(npyBytes(descr, [2, 3], bytes, { major }), 'a.npy');
      t.deepEqual(array.shape, [2, 3]);
      const floats = [...npyToFloat32(array)];
      floats.forEach((value, idx) => t.true(Math.abs(value - expected[idx]) < 1e-6, `${idx}`));
    });
  }
}

const rejections: [string, () => Uint8Array, RegExp][] = [
  [
    'fortran order',
    () => npyBytes('<f4', [2, 3], f32le(values), { fortran: true }),
    /Fortran-order arrays are not supported/,
  ],
  [
    'big-endian',
    () => npyBytes('>f4', [6], f32le(values)),
    /unsupported dtype '>f4' \(supported: <f4 <f8 \|u1 <i4 <i8 \|b1\)/,
  ],
  [
    'float16',
    () => npyBytes('<f2', [3], Uint8Array.from(new Array(6).fill(0))),
    /unsupported dtype '<f2'/,
  ],
  [
    'truncated',
    () => npyBytes('<f4', [2, 3], f32le([1, 2])),
    /truncated: shape \(2, 3\) of <f4 needs 24 bytes, found 8/,
  ],
  ['bad magic', () => Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /not a \.npy file/],
  [
    'version 4',
    () => {
      const bytes = npyBytes('<f4', [1], f32le([1]));
      bytes[6] = 4;
      return bytes;
    },
    /unsupported \.npy format version 4\.0/,
  ],
];
for (const [name, build, expected] of rejections) {
  test(`npy rejects ${name}`, (t) => {
    const result = catchTrainError(() => parseNpy(build(), 'a.npy'));
    t.false(result.ok);
    if (!result.ok) t.regex(result.message, expected);
  });
}

test('npy labels: non-integers are rejected', (t) => {
  const result = catchTrainError(() =>
    npyToLabels(parseNpy(npyBytes('<f4', [2], f32le([1, 1.5])), 'y.npy'), 'y.npy'),
  );
  t.false(result.ok);
  if (!result.ok)
    t.is(
      result.message,
      'y.npy: label 1.5 at index 1 is not a class index (a non-negative integer)',
    );
});

/** Writes `x.npy` of `count` 2×2 uint8 images and `y.npy` of int64 labels cycling 0…2. */
function writePair(dir: string, xName: string, yName: string, count: number, labelCount = count) {
  const pixels = Uint8Array.from({ length: count * 4 }, (_, idx) => idx % 256);
  writeFileSync(join(dir, xName), npyBytes('|u1', [count, 2, 2], pixels));
  const labels = Array.from({ length: labelCount }, (_, idx) => idx % 3);
  writeFileSync(join(dir, yName), npyBytes('<i8', [labelCount], i64le(labels)));
}

test('npy folder x.npy/y.npy is split 80/20 per class', (t) => {
  const dir = tempDir(t);
  writePair(dir, 'x.npy', 'y.npy', 30);
  const result = loadTrainingData(dir);
  if (!result.ok) return t.fail(result.message);
  t.is(result.value.train.labels.length, 24);
  t.is(result.value.test.labels.length, 6);
  t.is(result.value.train.classes, 3);
  t.deepEqual(result.value.train.shape, [1, 2, 2]);
  t.deepEqual([...result.value.test.labels].sort(), [0, 0, 1, 1, 2, 2]);
});

test('npy folder train_x/train_y/test_x/test_y keeps the given split; NCHW images', (t) => {
  const dir = tempDir(t);
  writePair(dir, 'train_x.npy', 'train_y.npy', 5);
  writePair(dir, 'test_x.npy', 'test_y.npy', 2);
  const result = loadTrainingData(dir);
  if (!result.ok) return t.fail(result.message);
  t.is(result.value.train.labels.length, 5);
  t.is(result.value.test.labels.length, 2);
  t.is(result.value.test.images[3], Math.fround(3 / 255));
  const nchw = tempDir(t);
  writeFileSync(join(nchw, 'x.npy'), npyBytes('<f4', [5, 3, 1, 2], f32le(new Array(30).fill(0.5))));
  writeFileSync(join(nchw, 'y.npy'), npyBytes('<i4', [5, 1], i32le([0, 1, 0, 1, 1])));
  const second = loadTrainingData(nchw);
  if (!second.ok) return t.fail(second.message);
  t.deepEqual(second.value.train.shape, [3, 1, 2]);
});

test('npy folder: count mismatch and missing file are one line each', (t) => {
  const dir = tempDir(t);
  writePair(dir, 'x.npy', 'y.npy', 5, 4);
  const mismatch = loadTrainingData(dir);
  t.false(mismatch.ok);
  if (!mismatch.ok) t.regex(mismatch.message, /x\.npy holds 5 images but .*y\.npy holds 4 labels$/);
  const lonely = tempDir(t);
  writePair(lonely, 'train_x.npy', 'train_y.npy', 5);
  const missing = loadTrainingData(lonely);
  t.false(missing.ok);
  if (!missing.ok) t.regex(missing.message, /missing test_x\.npy$/);
});
