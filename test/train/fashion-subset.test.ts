// One epoch of `cnnc train examples/fashion_cnn.cnn` on a small subset of the real Fashion-MNIST
// (Debian's dataset-fashion-mnist): the first 1,000 training and 500 test images, written as an
// IDX folder, trained in-process with the example's own `train` section (augment, early_stop) but
// batch 32. A few seconds on a quiet 2-core machine; the generous timeout is for a loaded one.
// It checks that the whole pipeline runs on the real data and learns (held-out accuracy far above
// the 10% of chance); the full run (91% and more) is measured by hand, see the README.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { summarizeModel } from '../../compiler/analysis/summary.js';
import { compileSource } from '../../compiler/compile.js';
import { DEBIAN_FASHION_MNIST_DIR } from '../../trainer/io/data/idx-folder.js';
import { loadTrainingData } from '../../trainer/io/data/load.js';
import type { Dataset } from '../../trainer/core/data/dataset.js';
import { idxBytes, tempDir } from './fixtures.js';

test('fashion_cnn: the parameters its header comment counts by hand', (t) => {
  const file = 'examples/fashion_cnn.cnn';
  const compiled = compileSource(file, readFileSync(file, 'utf8'));
  const summary = summarizeModel(compiled.program.models[0], { batch: 1 });
  t.is(summary.totals.trainableParams, 77_754);
  t.is(summary.totals.nonTrainableBuffers, 674);
});

/** The first `count` images of `data` as IDX image and label files (`prefix` train or t10k). */
function writeSubset(dir: string, prefix: string, data: Dataset, count: number): void {
  const pixels = Array.from(data.images.subarray(0, count * 784), (v) => Math.round(v * 255));
  const labels = Array.from(data.labels.subarray(0, count));
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idxBytes([count, 28, 28], pixels));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes([count], labels));
}

test('fashion_cnn: one epoch on 1,000 real Fashion-MNIST images learns (skipped when not installed)', async (t) => {
  t.timeout(600_000);
  if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) return t.pass('dataset-fashion-mnist not installed');
  const full = loadTrainingData('fashion-mnist');
  if (!full.ok) return t.fail(full.message);
  const data = tempDir(t, 'cnnc-fashion-data-');
  writeSubset(data, 'train', full.value.train, 1000);
  writeSubset(data, 't10k', full.value.test, 500);
  const out = tempDir(t, 'cnnc-fashion-run-');
  const args = [
    'examples/fashion_cnn.cnn',
    '--data',
    data,
    '--epochs',
    '1',
    '--batch',
    '32',
    '--out',
    out,
  ];
  const run = await runCli(['train', ...args]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /training FashionNet \(wasm target\)/);
  t.regex(run.stderr, /1000 train, 500 test/);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
    history: { trainLoss: number; testLoss: number; testAccuracy: number }[];
    heldOut: { images: number; accuracy: number };
  };
  t.is(metrics.history.length, 1);
  t.is(metrics.heldOut.images, 500);
  // Chance is 10% and a loss of ln 10 = 2.303; the 32 steps reach 53.8% and 1.16 (measured).
  t.true(metrics.heldOut.accuracy > 0.4, `held-out accuracy ${metrics.heldOut.accuracy}`);
  t.true(metrics.history[0].testLoss < 1.8, `held-out loss ${metrics.history[0].testLoss}`);
  t.true(existsSync(join(out, 'best.safetensors')), 'early_stop keeps the best weights');
});
