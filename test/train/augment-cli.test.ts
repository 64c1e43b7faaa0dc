// `cnnc train` with `augment` and `early_stop`: a run stopped after one epoch and resumed ends with
// the same weights, bit for bit, as an uninterrupted run (the augmentation generator's state is in
// the checkpoint); early stopping keeps the best epoch's weights and stops `patience` epochs after it.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../trainer/io/checkpoint.js';
import { loadMnistDigits } from '../../trainer/io/data/mnist.js';
import { f32le, leBytes, npyBytes } from './fixtures.js';

const ROOT = 'build/test-augment-cli';
const DATA = join(ROOT, 'data');
const MODEL = join(ROOT, 'tiny.cnn');

const SOURCE = `model Tiny {
  input image: [1, 28, 28]
  conv(4, 3, pad=1)
  relu
  maxpool(4)
  flatten
  fc(10)
  output logits
}

train Tiny {
  loss = cross_entropy
  optimizer = adam(lr=0.01)
  batch = 50
  epochs = 3
  seed = 5
  augment = [flip, crop(pad=2), translate(1), rotate(10), noise(0.02)]
  early_stop = 1
}
`;

test.before(() => {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const digits = loadMnistDigits();
  const picked = Array.from({ length: 300 }, (_, idx) => idx * 31);
  const pixels = picked.flatMap((n) => Array.from(digits.images.subarray(n * 784, (n + 1) * 784)));
  const labels = picked.map((n) => digits.labels[n]);
  writeFileSync(join(DATA, 'x.npy'), npyBytes('<f4', [300, 28, 28], f32le(pixels)));
  const i32 = leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true));
  writeFileSync(join(DATA, 'y.npy'), npyBytes('<i4', [300], i32));
  writeFileSync(MODEL, SOURCE);
});

function train(out: string, ...args: string[]) {
  const cli = ['--import', 'tsx', 'compiler/cli/run.ts', 'train', MODEL, '--data', DATA];
  return spawnSync('node', [...cli, '--out', out, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

test.serial('a run resumed after its first epoch ends with the same weights bit for bit', (t) => {
  const whole = join(ROOT, 'whole');
  const split = join(ROOT, 'split');
  // With patience 1, early stopping cannot end a 2-epoch run before its last epoch.
  const first = train(whole, '--epochs', '2');
  t.is(first.status, 0, first.stderr);
  const part = train(split, '--epochs', '1');
  t.is(part.status, 0, part.stderr);
  const rest = train(split, '--epochs', '2', '--resume', split);
  t.is(rest.status, 0, rest.stderr);
  const a = readFileSync(join(whole, 'weights.safetensors'));
  const b = readFileSync(join(split, 'weights.safetensors'));
  t.true(a.equals(b), 'weights differ after resuming');
});

test.serial('early stopping keeps the best epoch and stops patience epochs after it', (t) => {
  const out = join(ROOT, 'early');
  const run = train(out, '--epochs', '6');
  t.is(run.status, 0, run.stderr);
  const loaded = readCheckpoint(join(out, 'checkpoint.safetensors'));
  if (!loaded.ok) return t.fail(loaded.message);
  const losses = loaded.value.history.map((m) => m.testLoss);
  let best = 0;
  losses.forEach((loss, idx) => (loss < losses[best] ? (best = idx) : undefined));
  t.true(existsSync(join(out, 'best.safetensors')));
  t.regex(
    run.stderr,
    new RegExp(`best held-out loss ${losses[best].toFixed(4)} at epoch ${best + 1}`),
  );
  // Patience 1: the run ends one epoch after its best, or at the last epoch.
  t.is(losses.length, Math.min(6, best + 2), `losses ${losses.join(', ')}`);
  if (losses.length < 6) t.regex(run.stderr, /stopped early after epoch/);
  t.regex(readFileSync(join(out, 'report.md'), 'utf8'), /early stop/);
});
