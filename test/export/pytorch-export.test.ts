// The PyTorch export of every example, checked by PyTorch itself (Debian's python3-torch, one
// Python process for all): the exported module has the parameter and buffer counts of `cnnc
// summary`, its state_dict has exactly cnnc's tensor names and shapes in cnnc's order, and a
// safetensors file written by cnnc's writer loads into it with strict=True, value for value.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import test from 'ava';
import { summarizeModel } from '../../compiler/analysis/summary.js';
import { trainSpecOf } from '../../compiler/emit/train-spec.js';
import { loadTrainingData } from '../../trainer/io/data/load.js';
import { seededPermutation } from '../../trainer/core/data/shuffle.js';
import { npyBytes } from '../../scripts/torch/export-digits.js';
import { createSchedule, type ScheduleSpec } from '../../runtime/optim/schedule.js';
import {
  cnncTensors,
  exportExample,
  OUT,
  runTorchChecks,
  torchMissing,
  writeCnncWeights,
  type ExportedModel,
  type TorchResult,
} from './pytorch-helpers.js';

const missing = torchMissing();
if (missing) console.log(`PyTorch export tests skipped: ${missing}`);
const maybe = missing ? test.skip : test;

const examples = readdirSync('examples')
  .filter((name) => name.endsWith('.cnn'))
  .sort()
  .map((name) => join('examples', name));

/**
 * Models above this many parameters (AlexNet, VGG-16, VGG-19: 1.4 GB of float32 between them) load
 * their weights only in `npm run test:torch` (CNNC_TORCH_FULL=1); in `npm test` their state_dict
 * names and shapes, which are what strict loading checks, are compared without the bytes.
 */
const FULL = process.env.CNNC_TORCH_FULL === '1';
const LARGE = 50_000_000;

function loadsWeights(model: ExportedModel): boolean {
  return FULL || summarizeModel(model.model, { batch: 1 }).totals.trainableParams <= LARGE;
}

/** Epochs over which each train_ddp.py's learning rates are compared with cnnc's schedule. */
const SCHEDULE_EPOCHS = 40;

let exported: ExportedModel[] = [];
let results = new Map<string, TorchResult>();

test.before(() => {
  if (missing) return;
  exported = examples.flatMap((file) =>
    exportExample(file, join('examples', file.replace(/^.*\//, '').replace(/\.cnn$/, ''))),
  );
  const jobs = exported.map((entry) => {
    const weights = loadsWeights(entry) ? join(entry.dir, `${entry.moduleName}.safetensors`) : null;
    if (weights) writeCnncWeights(entry.model, weights, 3);
    return {
      name: entry.model.name,
      module: entry.modulePath,
      weights,
      input: null,
      input_shape: null,
      train_script: entry.scriptPath,
      epochs: SCHEDULE_EPOCHS,
      data_folders: entry.model.name === 'LeNet5' ? dataFolders() : [],
    };
  });
  results = runTorchChecks(jobs, join(OUT, 'examples-jobs.json'));
});

for (const file of examples) {
  maybe(`${file}: PyTorch export matches cnnc summary and loads cnnc's weights strictly`, (t) => {
    const models = exported.filter((entry) => entry.file === file);
    t.true(models.length > 0);
    for (const entry of models) {
      const result = results.get(entry.model.name);
      if (!result) return t.fail(`no PyTorch result for ${entry.model.name}`);
      const summary = summarizeModel(entry.model, { batch: 1 });
      t.is(result.params, summary.totals.trainableParams, `${entry.model.name} parameters`);
      t.is(result.buffers, summary.totals.nonTrainableBuffers, `${entry.model.name} buffers`);
      const expected = cnncTensors(entry.model).map((spec) => [spec.name, spec.shape]);
      t.deepEqual(result.state_dict, expected, `${entry.model.name} state_dict names and shapes`);
      if (!loadsWeights(entry)) {
        t.log(
          `${entry.model.name}: weights not loaded (over 50M parameters; npm run test:torch does)`,
        );
        continue;
      }
      t.is(result.load, 'ok', `${entry.model.name} load_state_dict(strict=True)`);
      t.is(result.load_max_diff, 0, `${entry.model.name} loaded values`);
      const batchnorms = entry.model.nodes.filter((node) => node.op === 'batchnorm').length;
      t.is(result.counts_dropped, batchnorms, `${entry.model.name}: PyTorch's num_batches_tracked`);
    }
  });
}

/** torch.optim's class for each cnnc optimizer. */
const TORCH_OPTIMIZERS: Record<string, string> = {
  sgd: 'SGD',
  rmsprop: 'RMSprop',
  adagrad: 'Adagrad',
  adam: 'Adam',
  adamw: 'AdamW',
};

maybe("every train_ddp.py steps the train section's learning rates as cnnc does", (t) => {
  for (const entry of exported) {
    const result = results.get(entry.model.name);
    if (!result) return t.fail(`no PyTorch result for ${entry.model.name}`);
    const config = entry.program.train.find((train) => train.model === entry.model.name);
    const spec = trainSpecOf(config) as unknown as {
      optimizer: { kind: string; lr: number };
      schedule: ScheduleSpec;
    };
    t.is(result.optimizer, TORCH_OPTIMIZERS[spec.optimizer.kind], entry.model.name);
    t.false(result.per_batch, `${entry.model.name}: per-epoch schedule`);
    const schedule = createSchedule(spec.schedule, spec.optimizer.lr);
    const lrs = Array.from({ length: SCHEDULE_EPOCHS }, (_, epoch) => schedule.lr(epoch));
    // Relative to the initial rate: cosine reaches 0 at its last epoch.
    const worst = Math.max(
      ...lrs.map((lr, idx) => Math.abs(lr - (result.lrs ?? [])[idx]) / spec.optimizer.lr),
    );
    t.true(
      worst < 1e-9,
      `${entry.model.name} (${spec.schedule.kind}): relative difference ${worst}`,
    );
  }
});

/** A tiny IDX folder (one file gzipped) and an x.npy/y.npy folder that cnnc splits itself. */
function dataFolders(): string[] {
  const idx = join(OUT, 'data', 'idx');
  const npy = join(OUT, 'data', 'npy');
  mkdirSync(idx, { recursive: true });
  mkdirSync(npy, { recursive: true });
  const idxFile = (magic: number, dims: number[], values: number[]) => {
    const header = Buffer.alloc(4 + 4 * dims.length);
    header.writeUInt32BE(magic, 0);
    dims.forEach((dim, k) => header.writeUInt32BE(dim, 4 + 4 * k));
    return Buffer.concat([header, Buffer.from(values)]);
  };
  const pixels = (count: number) => Array.from({ length: count * 6 }, (_, k) => (k * 37) % 256);
  writeFileSync(
    join(idx, 'train-images-idx3-ubyte.gz'),
    gzipSync(idxFile(0x803, [5, 2, 3], pixels(5))),
  );
  writeFileSync(join(idx, 'train-labels-idx1-ubyte'), idxFile(0x801, [5], [0, 1, 2, 1, 0]));
  writeFileSync(join(idx, 't10k-images.idx3-ubyte'), idxFile(0x803, [3, 2, 3], pixels(3)));
  writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), idxFile(0x801, [3], [2, 0, 1]));
  const count = 30;
  const images = Float32Array.from({ length: count * 4 }, (_, k) => Math.sin(k) * 3);
  const labels = BigInt64Array.from({ length: count }, (_, k) => BigInt((k * 7) % 3));
  writeFileSync(
    join(npy, 'x.npy'),
    npyBytes('<f4', [count, 1, 2, 2], new Uint8Array(images.buffer)),
  );
  writeFileSync(join(npy, 'y.npy'), npyBytes('<i8', [count], new Uint8Array(labels.buffer)));
  return [idx, npy];
}

maybe('train_ddp.py reads IDX and .npy folders as cnnc train does, split included', (t) => {
  const data = results.get('LeNet5')?.data ?? {};
  const folders = Object.keys(data);
  t.is(folders.length, 2);
  for (const folder of folders) {
    const loaded = loadTrainingData(folder);
    if (!loaded.ok) return t.fail(loaded.message);
    const { train, test } = loaded.value;
    const python = data[folder];
    t.deepEqual(python.train_shape.slice(1), train.shape, folder);
    t.deepEqual(python.train_y, [...train.labels], `${folder}: training labels in order`);
    t.deepEqual(python.test_y, [...test.labels], `${folder}: held-out labels in order`);
    t.deepEqual(python.train_x, [...train.images], `${folder}: training images`);
    t.deepEqual(python.test_x, [...test.images], `${folder}: held-out images`);
  }
});

maybe("train_ddp.py's seeded permutation (the split of x.npy/y.npy) is cnnc's", (t) => {
  const result = results.get('LeNet5');
  t.deepEqual(result?.permutation, [...seededPermutation(1000, 7)]);
});
