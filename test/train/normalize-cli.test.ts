// `cnnc train` with an argument-less `normalize`: before the first step it learns each channel's
// mean and population std from the training images (logged, in the weights and the checkpoint);
// a resumed run keeps them and does not learn again; such a layer after a convolution is refused.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE, readCheckpoint } from '../../trainer/io/checkpoint.js';
import { readSafetensors } from '../../runtime/safetensors.js';
import { f32le, leBytes, npyBytes } from './fixtures.js';

const ROOT = 'build/test-normalize-cli';
const DATA = join(ROOT, 'data');
const OUT = join(ROOT, 'run');
const COUNT = 40;

const MODEL = `model N {
  input x: [2, 4, 4]
  normalize
  flatten
  fc(2)
  output y
}

train N {
  loss = cross_entropy
  optimizer = sgd(lr=0.1)
  batch = 8
  epochs = 1
}
`;

/**
 * Every image has channel 0 = k/15 at pixel k (k = 0…15) and channel 1 = 2, so the training split
 * has the same statistics whichever images it holds. By hand: channel 0 has mean 0.5 and
 * population variance Σ(k/15 − 0.5)²/16 = Σ(k − 7.5)²/(16·225) = 340/3600, std √(340/3600) =
 * 0.307318…; channel 1 has mean 2 and std 0, stored as 1e-7.
 */
function writeData(): void {
  const image = [...Array.from({ length: 16 }, (_, k) => k / 15), ...Array<number>(16).fill(2)];
  const pixels = Array.from({ length: COUNT }, () => image).flat();
  mkdirSync(DATA, { recursive: true });
  writeFileSync(join(DATA, 'x.npy'), npyBytes('<f4', [COUNT, 2, 4, 4], f32le(pixels)));
  const labels = Array.from({ length: COUNT }, (_, idx) => idx % 2);
  const i32 = leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true));
  writeFileSync(join(DATA, 'y.npy'), npyBytes('<i4', [COUNT], i32));
}

function train(file: string, ...args: string[]) {
  const cli = ['--import', 'tsx', 'compiler/cli/run.ts', 'train', file, '--data', DATA];
  return spawnSync('node', [...cli, ...args], { encoding: 'utf8', timeout: 180_000 });
}

const STD0 = Math.fround(Math.sqrt(340 / 3600));

test('cnnc train learns normalize from the training split, keeps it on resume', (t) => {
  rmSync(ROOT, { recursive: true, force: true });
  writeData();
  const file = join(ROOT, 'n.cnn');
  writeFileSync(file, MODEL);
  const first = train(file, '--out', OUT);
  t.is(first.status, 0, first.stderr);
  t.regex(
    first.stderr,
    /normalize `0` learnt from \d+ training images: mean \[0\.5, 2\], std \[0\.307318, 1e-7\]/,
  );
  const weights = readSafetensors(readFileSync(join(OUT, 'weights.safetensors')));
  t.deepEqual([...weights.get('0.mean').data], [0.5, 2]);
  t.deepEqual([...weights.get('0.std').data], [STD0, Math.fround(1e-7)]);
  const checkpoint = readCheckpoint(join(OUT, CHECKPOINT_FILE));
  t.true(checkpoint.ok);
  if (checkpoint.ok)
    t.deepEqual(
      [...(checkpoint.value.weights.get('0.std')?.data ?? [])],
      [STD0, Math.fround(1e-7)],
    );
  const resumed = train(file, '--resume', OUT, '--out', OUT, '--epochs', '2');
  t.is(resumed.status, 0, resumed.stderr);
  t.regex(resumed.stderr, /resuming from .* after epoch 1/);
  t.notRegex(resumed.stderr, /learnt from/);
});

test('an argument-less normalize after a convolution is refused in one line', (t) => {
  mkdirSync(ROOT, { recursive: true });
  writeData();
  const file = join(ROOT, 'hidden.cnn');
  writeFileSync(file, MODEL.replace('  normalize\n', '  conv(2, 3)\n  normalize\n'));
  const run = train(file, '--out', join(ROOT, 'hidden'));
  t.is(run.status, 1);
  t.regex(
    run.stderr,
    /^error: .*hidden\.cnn:4: `normalize` without `mean` and `std` learns them from the training images, so it must read the model input/m,
  );
  t.false(run.stderr.includes('    at '), 'no stack trace');
});

test('a 1-D model on [N, C, L] sequences learns one mean and std per channel of its input', (t) => {
  // Every sequence has channel c = c + k/7 at position k (k = 0…7): by hand, mean c + 0.5 and
  // std √(Σ(k − 3.5)²/8)/7 = √(42/8)/7 = 0.327327…, whichever sequences are trained on.
  const dir = join(ROOT, 'seq');
  mkdirSync(dir, { recursive: true });
  const sequence = [0, 1, 2].flatMap((c) => Array.from({ length: 8 }, (_, k) => c + k / 7));
  writeFileSync(
    join(dir, 'x.npy'),
    npyBytes('<f4', [COUNT, 3, 8], f32le(Array.from({ length: COUNT }, () => sequence).flat())),
  );
  const labels = Array.from({ length: COUNT }, (_, idx) => idx % 2);
  writeFileSync(
    join(dir, 'y.npy'),
    npyBytes(
      '<i4',
      [COUNT],
      leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true)),
    ),
  );
  const file = join(ROOT, 'seq.cnn');
  writeFileSync(file, MODEL.replace('[2, 4, 4]', '[3, 8]'));
  const cli = ['--import', 'tsx', 'compiler/cli/run.ts', 'train', file, '--data', dir];
  const run = spawnSync('node', [...cli, '--out', join(ROOT, 'seq-run')], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  t.is(run.status, 0, run.stderr);
  t.regex(run.stderr, /mean \[0\.5, 1\.5, 2\.5\], std \[0\.327327, 0\.327327, 0\.327327\]/);
});
