// `cnnc train --target wasm` end to end on 400 real digits: it trains, checkpoints and resumes
// (weights and Adam state loaded into the wasm model), and a bad `--target` is a usage error.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../trainer/io/checkpoint.js';
import { loadMnistDigits } from '../../trainer/io/data/mnist.js';
import { f32le, leBytes, npyBytes } from '../train/fixtures.js';

const ROOT = 'build/test-wasm-train-cli';
const DATA = join(ROOT, 'data');
const OUT = join(ROOT, 'run');
const CLI = ['--import', 'tsx', 'compiler/cli/run.ts', 'train', 'examples/lenet5.cnn'];

function writeDigits(): void {
  const digits = loadMnistDigits();
  const picked = Array.from({ length: 400 }, (_, idx) => idx * 25);
  const pixels = picked.flatMap((n) => Array.from(digits.images.subarray(n * 784, (n + 1) * 784)));
  const labels = picked.map((n) => digits.labels[n]);
  mkdirSync(DATA, { recursive: true });
  writeFileSync(join(DATA, 'x.npy'), npyBytes('<f4', [400, 28, 28], f32le(pixels)));
  const i32 = leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true));
  writeFileSync(join(DATA, 'y.npy'), npyBytes('<i4', [400], i32));
}

function train(...args: string[]) {
  const options = ['--data', DATA, '--batch', '32', ...args];
  return spawnSync('node', [...CLI, ...options], { encoding: 'utf8', timeout: 120_000 });
}

test('cnnc train --target wasm trains, checkpoints and resumes', (t) => {
  rmSync(ROOT, { recursive: true, force: true });
  writeDigits();
  const first = train('--target', 'wasm', '--epochs', '1', '--out', OUT);
  t.is(first.status, 0, first.stderr);
  t.regex(first.stderr, /held-out accuracy \d+\.\d+%/);
  const resumed = train('--target', 'wasm', '--epochs', '2', '--resume', OUT, '--out', OUT);
  t.is(resumed.status, 0, resumed.stderr);
  t.regex(resumed.stderr, /resuming from .* after epoch 1/);
  const loaded = readCheckpoint(join(OUT, 'checkpoint.safetensors'));
  if (!loaded.ok) return t.fail(loaded.message);
  t.is(loaded.value.history.length, 2);
  t.true(loaded.value.history[1].trainLoss < loaded.value.history[0].trainLoss);
});

test('cnnc train --target takes auto, wasm or gpujs', (t) => {
  const run = train('--target', 'webgl');
  t.is(run.status, 2);
  t.is(run.stderr.trim(), 'error: --target takes `auto`, `wasm` or `gpujs`, found `webgl`');
});

// A model with a layer that has no wasm backward yet (a transposed convolution).
const UNET = `model Up {
  input image: [1, 28, 28]
  conv(4, 3, stride=2, pad=1)
  relu
  convtranspose(2, 2, stride=2)
  flatten
  fc(10)
  output logits
}
`;

test('by default, a model the wasm target cannot train trains on gpu.js and says why', (t) => {
  mkdirSync(ROOT, { recursive: true });
  const file = join(ROOT, 'up.cnn');
  writeFileSync(file, UNET);
  writeDigits();
  const cli = ['--import', 'tsx', 'compiler/cli/run.ts', 'train', file, '--data', DATA];
  const out = join(ROOT, 'up-run');
  const run = spawnSync('node', [...cli, '--epochs', '1', '--out', out], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.is(run.status, 0, run.stderr);
  t.regex(
    run.stderr,
    /training on gpu\.js: the wasm target cannot train this model yet \(.*convtranspose/,
  );
  const forced = spawnSync('node', [...cli, '--target', 'wasm', '--epochs', '1', '--out', out], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.is(forced.status, 1);
  t.regex(forced.stderr, /^error: cannot train on the wasm target: .*convtranspose/m);
});

test('by default, LeNet-5 trains on the wasm target', (t) => {
  mkdirSync(ROOT, { recursive: true });
  writeDigits();
  const run = train('--epochs', '1', '--out', join(ROOT, 'auto'));
  t.is(run.status, 0, run.stderr);
  t.regex(run.stderr, /training LeNet5 \(wasm target\) on /);
});
