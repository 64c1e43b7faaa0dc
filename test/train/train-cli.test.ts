// `cnnc train` end to end on a small `.npy` folder of real digits: a run killed after its first
// checkpoint resumes and its history continues; a truncated latest checkpoint is reported and the
// previous one is used; the weights it writes load into the module `cnnc build` emits
// (examples/classify-digits.mjs, the README's example).
import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../trainer/io/checkpoint.js';
import { loadMnistDigits } from '../../trainer/io/data/mnist.js';
import { f32le, leBytes, npyBytes } from './fixtures.js';

const ROOT = 'build/test-train-cli';
const DATA = join(ROOT, 'data');
const OUT = join(ROOT, 'run');
const CLI = ['--import', 'tsx', 'compiler/cli/run.ts', 'train', 'examples/lenet5.cnn'];

/** 400 digits, every 25th of the package's, as `x.npy` `[400, 28, 28]` and `y.npy` `[400]`. */
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
  const options = ['--data', DATA, '--batch', '32', '--out', OUT, ...args];
  return spawnSync('node', [...CLI, ...options], { encoding: 'utf8', timeout: 120_000 });
}

function history() {
  const loaded = readCheckpoint(join(OUT, 'checkpoint.safetensors'));
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.value.history;
}

async function killAfterFirstCheckpoint(): Promise<void> {
  const child = spawn('node', [
    ...CLI,
    '--data',
    DATA,
    '--batch',
    '32',
    '--out',
    OUT,
    '--epochs',
    '4',
  ]);
  const latest = join(OUT, 'checkpoint.safetensors');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (existsSync(latest) && statSync(latest).size > 0) {
        clearInterval(timer);
        child.kill('SIGKILL');
      }
    }, 20);
    child.on('exit', () => (clearInterval(timer), resolve()));
    child.on('error', reject);
  });
}

test.serial(
  'killed mid-run, resumed, truncated checkpoint, weights into the built module',
  async (t) => {
    rmSync(ROOT, { recursive: true, force: true });
    writeDigits();
    await killAfterFirstCheckpoint();
    const before = history();
    t.true(before.length >= 1 && before.length < 3, `killed after ${before.length} epochs`);
    const resumed = train('--resume', OUT, '--epochs', '3');
    t.is(resumed.status, 0, resumed.stderr);
    t.regex(resumed.stderr, new RegExp(`resuming from .* after epoch ${before.length}`));
    const after = history();
    t.deepEqual(
      after.map((m) => m.epoch),
      [1, 2, 3],
    );
    t.deepEqual(after.slice(0, before.length), before, 'the curve continues the killed run');
    t.true(after[2].step > after[0].step);

    truncateSync(join(OUT, 'checkpoint.safetensors'), 1000);
    const fallback = train('--resume', OUT, '--epochs', '4');
    t.is(fallback.status, 0, fallback.stderr);
    t.regex(fallback.stderr, /warning: .*checkpoint\.safetensors.*previous checkpoint/);
    t.regex(fallback.stderr, /after epoch 2/);
    t.deepEqual(
      history().map((m) => m.epoch),
      [1, 2, 3, 4],
    );
    for (const file of [
      'report.md',
      'loss.svg',
      'accuracy.svg',
      'confusion.svg',
      'weights.safetensors',
    ])
      t.true(existsSync(join(OUT, file)), file);

    execFileSync('node', [
      '--import',
      'tsx',
      'compiler/cli/run.ts',
      'build',
      'examples/lenet5.cnn',
      '-o',
      'build/',
      '--emit',
      'js',
      '--train',
    ]);
    const output = execFileSync(
      'node',
      ['examples/classify-digits.mjs', join(OUT, 'weights.safetensors')],
      {
        encoding: 'utf8',
      },
    );
    const lines = output.trim().split('\n');
    t.regex(lines[0], /^digit 0: predicted \d, label \d$/);
    const accuracy = Number(/held-out accuracy: ([\d.]+)% of 2000 digits/.exec(lines[10])?.[1]);
    t.true(accuracy > 50, output);
  },
);

test.serial('a non-finite loss stops training and names the first non-finite layer', (t) => {
  const result = train('--epochs', '1', '--lr', '1e30');
  t.is(result.status, 1, result.stderr);
  t.regex(
    result.stderr,
    /error: examples\/lenet5\.cnn: the loss is (NaN|Infinity|-Infinity): the output of `\w+` at line \d+, column \d+ is the first/,
  );
  t.notRegex(result.stderr, /\n\s+at /);
});
