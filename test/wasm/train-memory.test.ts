// Training memory on the wasm target, counted in bytes (resident memory is measured by
// `npm run bench`, never asserted): the training arena of one sample is the liveness peak of the
// step, worked out by hand below for LeNet-5, and within `cnnc summary`'s per-sample estimate; a
// training step lays out exactly one memory of the size its layout states, once. Serial: one
// test records every WebAssembly.Memory the process creates meanwhile.
import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { summarizeModel } from '../../compiler/analysis/summary.js';
import { compileSource } from '../../compiler/compile.js';
import { workersPay } from '../../runtime/wasm/model.js';
import { buildTrain, seeded } from './build-train.js';

const LENET = readFileSync('examples/lenet5.cnn', 'utf8');
const BATCH = 64;
const PAGE = 65536;

/** The numbers `wasmSpec` / `wasmTrainSpec` of the generated code state. */
function layoutOf(code: string, spec: 'wasmSpec' | 'wasmTrainSpec') {
  const from = code.search(new RegExp(`const ${spec}\\b[^=]*= \\{`));
  const field = (name: string) => {
    const match = new RegExp(`${name}: (\\d+),`).exec(code.slice(from));
    if (from < 0 || !match) throw new Error(`no ${name} in ${spec}`);
    return Number(match[1]);
  };
  return {
    weightBytes: field('weightBytes'),
    scratchBytes: field('scratchBytes'),
    arenaBytes: field('arenaBytes'),
  };
}

test.serial(
  'LeNet-5: the training arena of one sample is the liveness peak of the step',
  async (t) => {
    const { code } = await buildTrain('lenet5-memory', LENET);
    const { arenaBytes } = layoutOf(code, 'wasmTrainSpec');
    // Every value of the training forward stays until the backward has read it. The forward lays
    // its values out one after another (64-byte aligned); the convolutions' im2col panels are in
    // the thread's scratch, not in the arena, and the first one's padded 1×32×32 copy (4,160
    // bytes) is free again when relu1 needs its bytes:
    //   image [1,28,28]                3,136   at 0
    //   conv1 output [6,28,28]        18,816   at 3,136   (read by relu1's backward)
    //   relu1 output [6,28,28]        18,816   at 21,952  (read by maxpool1's backward)
    //   maxpool1 output [6,14,14]      4,736   at 40,768  (4,704 rounded up; conv2's input)
    //   conv2 output [16,10,10]        6,400   at 45,504
    // The peak is maxpool1's backward: the gradient of its output (4,736) takes conv2's output
    // bytes at 45,504 (best fit, freed by conv2's backward), and the gradient of relu1's output
    // (18,816) fits in no gap below, so it goes at 45,504 + 4,736 = 50,240 and ends at 69,056.
    t.is(arenaBytes, 3136 + 18816 + 18816 + 4736 + 4736 + 18816);
    // `cnnc summary` estimates an input and two copies of every activation per sample.
    const compiled = compileSource('lenet5.cnn', LENET);
    const summary = summarizeModel(compiled.program.models[0], { batch: BATCH });
    t.is(summary.totals.trainingBytesPerSample, 123_152);
    t.true(arenaBytes <= summary.totals.trainingBytesPerSample);
  },
);

test.serial(
  'LeNet-5: a training step lays out one memory of the bytes its layout states, once',
  async (t) => {
    const { code, module } = await buildTrain('lenet5-memory-runtime', LENET);
    const train = layoutOf(code, 'wasmTrainSpec');
    const sizes: number[] = [];
    const Original = WebAssembly.Memory;
    // Records every memory the runtime creates (its byte size), then creates it as usual.
    WebAssembly.Memory = function Memory(descriptor: WebAssembly.MemoryDescriptor) {
      sizes.push(descriptor.initial * PAGE);
      return new Original(descriptor);
    } as unknown as typeof WebAssembly.Memory;
    let model;
    try {
      model = await module.create({ threads: 1, seed: 1 });
      t.deepEqual(sizes, [], 'create lays out no memory before the first batch');
      const x = seeded(BATCH * 784, 5);
      const labels = Array.from({ length: BATCH }, (_, idx) => (idx * 3) % 10);
      for (let step = 0; step < 3; step++) await model.trainStep(x, labels, BATCH);
    } finally {
      WebAssembly.Memory = Original;
    }
    try {
      // Weights, parameter gradients and one thread's scratch, then 64 arenas and 64 bytes of slack
      // for vector reads past the last sample, in whole 64 KiB pages. The inference module, which
      // the training step does not run, lays out nothing.
      const start = Math.ceil((train.weightBytes + train.scratchBytes) / 64) * 64;
      const bytes = start + BATCH * train.arenaBytes + 64;
      t.deepEqual(sizes, [Math.ceil(bytes / PAGE) * PAGE]);
      // 743,616 bytes of weights and gradients (LeNet-5's 61,706 parameters twice, packed and plain,
      // and padding), then the optimizer's: a plain copy of conv1's weight (150 floats, 640 B; the
      // other parameters have one already) and three slot regions of every parameter, each
      // 640 + 64 + 9,600 + 64 + 192,000 + 512 + 40,320 + 384 + 3,392 + 64 = 247,040 bytes
      // (64-byte aligned): 1,485,376 bytes. One thread's scratch of 62,400 (conv2's im2col
      // panels: ceil(100 / 8) panels × 150 deep × 8 columns × 4 B) and 64 × 69,056 of arenas:
      // 5,967,424 bytes, 92 pages (Adam writes two of the slot regions; the third is never
      // resident).
      t.is(train.weightBytes, 743_616 + 640 + 3 * 247_040);
      t.is(train.scratchBytes, 13 * 150 * 8 * 4);
      t.is(sizes[0], 92 * PAGE);
    } finally {
      await model?.dispose();
    }
  },
);

test.serial(
  'LeNet-5: a non-finite loss names the first layer whose output is not finite',
  async (t) => {
    const { module } = await buildTrain('lenet5-memory-nan', LENET);
    const model = await module.create({ threads: 1, seed: 1 });
    try {
      // An infinite bias of the last layer: every earlier output stays finite.
      const weights = model as unknown as {
        saveWeights(): Uint8Array;
        loadWeights(bytes: Uint8Array): void;
      };
      const bias = model.parameters().get('7.bias');
      if (!bias) throw new Error('no 7.bias');
      bias[3] = Infinity;
      weights.loadWeights(weights.saveWeights());
      const error = await t.throwsAsync(() => model.trainStep(seeded(4 * 784, 7), [1, 2, 3, 4], 4));
      t.regex(
        error?.message ?? '',
        /^the loss is NaN: the output of `linear` at line 22, column 3 is/,
      );
    } finally {
      await model.dispose();
    }
  },
);

test.serial(
  'LeNet-5: inference and training share one set of workers, started on first use',
  async (t) => {
    const { module } = await buildTrain('lenet5-memory-threads', LENET);
    // The process's threads (Linux): a Node worker is one more.
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    const model = await module.create({ threads: 3, seed: 1, workers: 'always' });
    try {
      t.is(threads(), before, 'create starts no worker');
      const x = seeded(BATCH * 784, 9);
      const labels = Array.from({ length: BATCH }, (_, idx) => idx % 10);
      await model.forward(x, BATCH);
      t.is(threads(), before + 2, 'the first forward starts threads − 1 workers');
      await model.trainStep(x, labels, BATCH);
      await model.forward(seeded(2 * BATCH * 784, 10), 2 * BATCH);
      await model.trainStep(x, labels, BATCH);
      t.is(threads(), before + 2, 'training and a larger batch reuse them');
    } finally {
      await model.dispose();
    }
  },
);

test('workers start only when they add at most a quarter to the memory laid out, or the call is large', (t) => {
  // A Node worker costs about 8 MiB resident (docs/wasm-target.md, "Training memory").
  const worker = 8 * 2 ** 20;
  t.false(workersPay(4 * worker - 1, 1), 'one worker needs 32 MiB of model memory');
  t.true(workersPay(4 * worker, 1));
  t.false(workersPay(4 * worker, 2), 'two workers need 64 MiB');
  t.true(workersPay(8 * worker, 2));
  t.false(workersPay(80 * PAGE, 1), 'LeNet-5 training at batch 64 (80 pages) starts none');
  // 10^8 multiply-adds per call start them in any memory: conv 64→64 3×3 on 56² at batch 1 is
  // 1.16·10^8; a LeNet-5 training step at batch 64 is 9·10^7 (1.4 M per sample).
  t.true(workersPay(80 * PAGE, 1, 'auto', 115_605_504));
  t.false(workersPay(80 * PAGE, 1, 'auto', 64 * 1_400_000));
  t.true(workersPay(80 * PAGE, 1, 'auto', 100_000_000));
  t.false(workersPay(80 * PAGE, 0, 'auto', 2 ** 40), 'one thread has no workers');
  t.true(workersPay(1, 1, 'always'));
  t.false(workersPay(2 ** 31, 0, 'always'), 'one thread has no workers');
});

test.serial(
  'LeNet-5 at batch 64 runs on the calling thread with threads: 3 (its memory is too small for workers)',
  async (t) => {
    const { module } = await buildTrain('lenet5-memory-auto', LENET);
    const threads = () => readdirSync('/proc/self/task').length;
    const before = threads();
    const model = await module.create({ threads: 3, seed: 1 });
    try {
      const x = seeded(BATCH * 784, 9);
      const labels = Array.from({ length: BATCH }, (_, idx) => idx % 10);
      await model.forward(x, BATCH);
      await model.trainStep(x, labels, BATCH);
      t.is(threads(), before, 'no worker started');
      // At batch 256 a forward is 256 × 0.42 M = 1.07·10^8 multiply-adds: the workers pay, in a
      // memory still far under 4 × 16 MiB.
      const wide = 256;
      await model.forward(seeded(wide * 784, 11), wide);
      t.is(threads(), before + 2, 'a forward of 10^8 multiply-adds starts threads − 1 workers');
    } finally {
      await model.dispose();
    }
    await t.throwsAsync(() => module.create({ threads: 2, workers: 'sometimes' }), {
      message: "workers must be 'auto' or 'always', found sometimes",
    });
  },
);
