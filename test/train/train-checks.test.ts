// `cnnc train` on what it used to refuse or get wrong: a 1-D model on `[N, C, L]` arrays, `mse` and
// `bce` on class labels (one-hot targets), and the generated module's `create` refusing a
// parameter too large to allocate, with its name and size, before allocating anything.
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModelRuntime } from '../../runtime/model.js';
import { oneHotTargets } from '../../trainer/app/train-checks.js';
import { runCli } from '../helpers/run-cli.js';
import { f32le, leBytes, npyBytes, tempDir } from './fixtures.js';

/** `x.npy` `[count, ...sample]` and `y.npy`: class `n % classes`, whose channel is raised by 2. */
function learnableData(dir: string, count: number, sample: number[], classes: number): void {
  mkdirSync(dir, { recursive: true });
  const per = sample.reduce((a, b) => a * b, 1);
  const perChannel = per / sample[0];
  const pixels = Array.from({ length: count * per }, (_, idx) => {
    const n = Math.floor(idx / per);
    const channel = Math.floor((idx % per) / perChannel);
    return 0.3 * Math.sin(idx * 12.9898) + (channel === n % classes ? 2 : 0);
  });
  writeFileSync(join(dir, 'x.npy'), npyBytes('<f4', [count, ...sample], f32le(pixels)));
  const labels = Array.from({ length: count }, (_, n) => n % classes);
  const i32 = leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true));
  writeFileSync(join(dir, 'y.npy'), npyBytes('<i4', [count], i32));
}

function modelFile(dir: string, input: string, body: string, loss: string): string {
  const path = join(dir, 'model.cnn');
  writeFileSync(
    path,
    `model Net {\n  input x: ${input}\n${body}\n  output y\n}\n` +
      `train Net {\n  loss = ${loss}\n  optimizer = sgd(lr=0.1)\n  batch = 8\n  epochs = 4\n}\n`,
  );
  return path;
}

interface Metrics {
  history: { trainLoss: number; testLoss: number; testAccuracy: number | null }[];
}

async function trainRun(dir: string, file: string, data: string) {
  const out = join(dir, 'run');
  const run = await runCli(['train', file, '--data', data, '--out', out, '--seed', '3']);
  const metrics =
    run.code === 0
      ? (JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Metrics)
      : undefined;
  return { run, metrics };
}

test('a 1-D model trains on [N, C, L] arrays', async (t) => {
  const dir = tempDir(t);
  learnableData(join(dir, 'data'), 60, [3, 16], 3);
  const file = modelFile(
    dir,
    '[3, 16]',
    '  conv1d(4, 3, pad=1)\n  relu\n  flatten\n  linear(3)',
    'cross_entropy',
  );
  const { run, metrics } = await trainRun(dir, file, join(dir, 'data'));
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /48 images, 12 held out/);
  const history = metrics?.history ?? [];
  t.is(history.length, 4);
  t.true(history.every((h) => Number.isFinite(h.trainLoss)));
  t.true(history[3].trainLoss < history[0].trainLoss, JSON.stringify(history));
});

for (const loss of ['mse', 'bce']) {
  test(`\`${loss}\` on class labels trains with one-hot targets and reports accuracy`, async (t) => {
    const dir = tempDir(t);
    learnableData(join(dir, 'data'), 60, [4, 4, 4], 4);
    const file = modelFile(dir, '[4, 4, 4]', '  flatten\n  linear(4)', loss);
    const { run, metrics } = await trainRun(dir, file, join(dir, 'data'));
    t.is(run.code, 0, run.stderr);
    const history = metrics?.history ?? [];
    t.is(history.length, 4);
    t.true(history[3].trainLoss < history[0].trainLoss, JSON.stringify(history));
    // The classes are separable by one channel's mean: after 4 epochs every held-out image is right.
    t.is(history[3].testAccuracy, 1);
  });
}

test('one-hot targets: one row per label, a 1 in its class', (t) => {
  t.deepEqual(Array.from(oneHotTargets(Int32Array.from([2, 0]), 3)), [0, 0, 1, 1, 0, 0]);
});

test('create refuses a parameter too large to allocate, naming it, before allocating', (t) => {
  const started = performance.now();
  const error = t.throws(() =>
    createModelRuntime(
      { seed: 0 },
      [
        { name: 'conv.weight', shape: [4, 1, 3, 3], role: 'weight' },
        { name: 'fc.weight', shape: [1_000_000, 1_000_000], role: 'weight' },
      ],
      [],
      'Huge',
    ),
  );
  t.regex(
    error?.message ?? '',
    /^parameter `fc\.weight` \[1000000, 1000000\] has 1,000,000,000,000 values \(4,000,000,000,000 bytes as float32\); a parameter may hold at most 268,435,456$/,
  );
  const many = Array.from({ length: 5 }, (_, idx) => ({
    name: `w${idx}`,
    shape: [2 ** 14, 2 ** 14],
    role: 'weight' as const,
  }));
  t.throws(() => createModelRuntime({ seed: 0 }, many, [], 'Wide'), {
    message:
      /^the parameters hold 1,342,177,280 values .*; a model may hold at most 1,073,741,824$/,
  });
  t.true(performance.now() - started < 1000);
});
