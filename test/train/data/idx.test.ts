// IDX loading: files built byte by byte from the MNIST page's description, plain and gzipped, the
// Debian Fashion-MNIST layout, and one clear one-line failure per kind of damage.
import test from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEBIAN_FASHION_MNIST_DIR, loadIdxDirectory } from '../../../trainer/io/data/idx-folder.js';
import { loadTrainingData } from '../../../trainer/io/data/load.js';
import { idxBytes, tempDir } from '../fixtures.js';

/** Writes a tiny MNIST-style directory: 3 train and 2 test images of 2×3 pixels. */
function writeTinyIdx(dir: string, compress: (bytes: Uint8Array) => Uint8Array, suffix: string) {
  const trainPixels = Array.from({ length: 3 * 6 }, (_, idx) => idx * 10);
  const files: [string, Uint8Array][] = [
    ['train-images-idx3-ubyte', idxBytes([3, 2, 3], trainPixels)],
    ['train-labels-idx1-ubyte', idxBytes([3], [4, 0, 9])],
    ['t10k-images-idx3-ubyte', idxBytes([2, 2, 3], new Array(12).fill(255))],
    ['t10k-labels-idx1-ubyte', idxBytes([2], [1, 2])],
  ];
  for (const [name, bytes] of files) writeFileSync(join(dir, name + suffix), compress(bytes));
}

for (const [name, compress, suffix] of [
  ['plain', (bytes: Uint8Array) => bytes, ''],
  ['gzip', (bytes: Uint8Array) => gzipSync(bytes), '.gz'],
] as const) {
  test(`idx ${name}: pixels scaled to [0,1], labels and shapes kept`, (t) => {
    const dir = tempDir(t);
    writeTinyIdx(dir, compress, suffix);
    const split = loadIdxDirectory(dir);
    t.deepEqual(split.train.shape, [1, 2, 3]);
    t.is(split.train.classes, 10);
    t.deepEqual([...split.train.labels], [4, 0, 9]);
    t.deepEqual([...split.test.labels], [1, 2]);
    t.is(split.train.images[1], Math.fround(10 / 255));
    t.is(split.train.images[17], Math.fround(170 / 255));
    t.true(split.test.images.every((value) => value === 1));
  });
}

/** Loads `dir` through the public entry point and returns the failure message. */
function failure(t: import('ava').ExecutionContext, dir: string): string {
  const result = loadTrainingData(dir);
  if (result.ok) return t.fail('expected a failure') as never;
  t.false(result.message.includes('\n'), 'one line');
  t.false(result.message.includes('    at '), 'no stack trace');
  return result.message;
}

const damages: [string, string, Uint8Array, RegExp][] = [
  [
    'wrong magic',
    'train-images-idx3-ubyte',
    idxBytes([3], [1, 2, 3]),
    /wrong magic number 0x00000801, expected 0x00000803/,
  ],
  [
    'truncated',
    'train-images-idx3-ubyte',
    idxBytes([3, 2, 3], [1, 2, 3]),
    /truncated: the header declares \[3, 2, 3\] \(18 bytes\) but only 3/,
  ],
  [
    'float type',
    'train-labels-idx1-ubyte',
    idxBytes([3], [0, 0, 0], 0x0d),
    /element type 0xd \(float\) is not supported/,
  ],
  [
    'count mismatch',
    'train-labels-idx1-ubyte',
    idxBytes([2], [1, 2]),
    /holds 3 images but .*train-labels-idx1-ubyte holds 2 labels/,
  ],
  ['short header', 't10k-labels-idx1-ubyte', Uint8Array.from([0, 0]), /truncated IDX file/],
];
for (const [name, file, bytes, expected] of damages) {
  test(`idx rejects ${name} with one line`, (t) => {
    const dir = tempDir(t);
    writeTinyIdx(dir, (b) => b, '');
    writeFileSync(join(dir, file), bytes);
    t.regex(failure(t, dir), expected);
  });
}

test('idx: a missing file and a damaged gzip are named', (t) => {
  const dir = tempDir(t);
  writeTinyIdx(dir, (b) => gzipSync(b), '.gz');
  writeFileSync(
    join(dir, 't10k-images-idx3-ubyte.gz'),
    gzipSync(new Uint8Array(100)).subarray(0, 12),
  );
  t.regex(failure(t, dir), /t10k-images-idx3-ubyte\.gz: damaged gzip data/);
  const empty = tempDir(t);
  writeFileSync(join(empty, 'train-images-idx3-ubyte'), idxBytes([0, 1, 1], []));
  t.regex(failure(t, empty), /missing train-labels-idx1-ubyte/);
});

test('fashion-mnist: Debian package layout loads (skipped when not installed)', (t) => {
  if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) return t.pass('dataset-fashion-mnist not installed');
  const result = loadTrainingData('fashion-mnist');
  if (!result.ok) return t.fail(result.message);
  t.is(result.value.train.labels.length, 60000);
  t.is(result.value.test.labels.length, 10000);
  t.deepEqual(result.value.train.shape, [1, 28, 28]);
  t.is(result.value.train.classes, 10);
});
