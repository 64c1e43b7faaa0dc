// Results of the wasm target are bit-identical for any thread count and any order in which the
// threads claim units: every work unit runs the same instructions whichever thread takes it, after
// whichever other units. A small residual CNN over 1, 2 and 3 threads; every layer of the layer
// table and training steps of three models with their units run one per call in shuffled order
// over poisoned scratch (test/wasm/shuffled-runtime.ts) against one thread.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { inputFor } from '../emit/build-helper.js';
import { buildWasm } from './build-wasm.js';
import { layerCases } from '../emit/layer-cases.js';
import { lookupLayer } from '../../compiler/layers/registry.js';
import { buildTrain, seeded, type TrainModule } from './build-train.js';
import { importShuffled, late, shuffled } from './shuffled-runtime.js';
import { slowSuite } from '../helpers/suite.js';

const SOURCE = `model Net {
  input x: [3, 20, 20]
  conv(16, 3, pad=1)
  relu
  maxpool(2)
  residual {
    conv(16, 3, pad=1)
    relu
    conv(16, 3, pad=1)
  }
  conv(24, 1, stride=2)
  avgpool(global)
  flatten
  linear(10)
  output y
}
`;

test('threads = 1, 2 and 3 give the same bytes', async (t) => {
  const { module } = await buildWasm('threads', SOURCE);
  const batch = 9;
  const x = inputFor(batch * 3 * 20 * 20, 21);
  const outputs: Float32Array[] = [];
  for (const threads of [1, 2, 3]) {
    const net = await module.create({ seed: 5, threads, workers: 'always' });
    try {
      t.is(net.threads, threads);
      outputs.push(await net.forward(x, batch));
      // A second call reuses the pool and must agree too.
      t.deepEqual(await net.forward(x, batch), outputs[outputs.length - 1]);
    } finally {
      await net.dispose();
    }
  }
  const bytes = outputs.map((output) => Buffer.from(output.buffer));
  t.true(bytes[0].length > 0);
  t.true(bytes[0].equals(bytes[1]), 'threads 1 and 2');
  t.true(bytes[0].equals(bytes[2]), 'threads 1 and 3');
});

test('a larger batch than before re-lays the memory and keeps the weights', async (t) => {
  const { module } = await buildWasm('threads-grow', SOURCE);
  const net = await module.create({ seed: 5, threads: 2, workers: 'always' });
  try {
    const one = inputFor(3 * 20 * 20, 22);
    const first = await net.forward(one, 1);
    const many = new Float32Array(17 * 3 * 20 * 20);
    for (let n = 0; n < 17; n++) many.set(one, n * one.length);
    const grown = await net.forward(many, 17);
    for (let n = 0; n < 17; n++) t.deepEqual(grown.subarray(n * 10, (n + 1) * 10), first);
  } finally {
    await net.dispose();
  }
});

test('threads default to the core count in Node', async (t) => {
  const { module } = await buildWasm('threads-default', SOURCE);
  const net = await module.create({ seed: 5 });
  try {
    t.is(net.threads, Math.min(availableParallelism(), 16));
  } finally {
    await net.dispose();
  }
});

const SHUFFLED_BATCH = 5;

// The shuffled-order runs over every kernel take ~8 s of CPU: `npm run test:slow` (ava.config.js).
if (slowSuite)
  test('every layer of the layer table, one unit per call in shuffled order over poisoned scratch, gives the bytes of one thread', async (t) => {
    let checked = 0;
    const before = shuffled.layers;
    for (const [idx, layerCase] of layerCases.entries()) {
      const name = /^\w+/.exec(layerCase.layer)?.[0] ?? '';
      if (lookupLayer(name)?.unsupportedOn?.wasm) continue;
      const source = `model M {\n  input x: [${layerCase.input.join(', ')}]\n  ${layerCase.layer}\n  output y\n}\n`;
      const { code, module } = await buildWasm(`shuffled-layer-${idx}`, source);
      const other = await importShuffled<typeof module>(`layer-${idx}`, code);
      const x = inputFor(SHUFFLED_BATCH * layerCase.input.reduce((a, b) => a * b, 1), idx + 3);
      const one = await module.create({ seed: idx, threads: 1 });
      const many = await other.create({ seed: idx, threads: 2, workers: 'always' });
      try {
        const expected = Buffer.from((await one.forward(x, SHUFFLED_BATCH)).buffer);
        const actual = Buffer.from((await many.forward(x, SHUFFLED_BATCH)).buffer);
        t.true(actual.equals(expected), layerCase.name);
        checked += 1;
      } finally {
        await one.dispose();
        await many.dispose();
      }
    }
    t.log(`${checked} cases, ${shuffled.layers - before} split layers`);
    t.true(shuffled.layers - before >= checked);
  });

/** Training models whose steps use every backward kernel family with units split over threads. */
const TRAIN_CASES: { name: string; input: number[]; classes: number; source: string }[] = [
  {
    name: 'lenet5',
    input: [1, 28, 28],
    classes: 10,
    source: readFileSync('examples/lenet5.cnn', 'utf8'),
  },
  {
    name: 'mix',
    input: [4, 12, 12],
    classes: 5,
    source: `model Mix {
  input x: [4, 12, 12]
  conv(8, 3, stride=2, pad=1)
  leaky_relu(alpha=0.2)
  groupnorm(2)
  upsample(2, mode=bilinear)
  conv(6, 3, pad=1, groups=2)
  tanh
  maxpool(3, stride=2, pad=1)
  residual {
    conv(6, 3, dilation=2, pad=2)
    batchnorm
    relu
  }
  upsample(2)
  conv(6, 1)
  avgpool(2)
  maxpool(adaptive=(2, 2))
  flatten
  dropout(0.25)
  linear(8)
  relu
  linear(5)
  output y
}

train Mix {
  loss = cross_entropy
  optimizer = sgd(lr=0.05, momentum=0.9)
  batch = 4
  seed = 3
}
`,
  },
  {
    name: 'conv1d',
    input: [3, 40],
    classes: 4,
    source: `model OneD {
  input x: [3, 40]
  conv1d(6, 3, stride=2, dilation=2, pad=1)
  relu
  conv1d(6, 3, pad=1)
  avgpool(global)
  flatten
  linear(4)
  output y
}

train OneD {
  loss = cross_entropy
  optimizer = adam(lr=1e-2)
  batch = 4
  seed = 3
}
`,
  },
];

for (const trainCase of slowSuite ? TRAIN_CASES : [])
  test(`${trainCase.name}: training steps with shuffled one-unit calls over poisoned scratch give the weights of one thread`, async (t) => {
    const { code, module } = await buildTrain(`shuffled-${trainCase.name}`, trainCase.source);
    const other = await importShuffled<TrainModule>(`train-${trainCase.name}`, code);
    const batch = 6;
    const x = seeded(batch * trainCase.input.reduce((a, b) => a * b, 1), 5);
    const labels = Array.from({ length: batch }, (_, idx) => (idx * 3) % trainCase.classes);
    const weights: Map<string, Float32Array>[] = [];
    const before = shuffled.layers;
    for (const [source, threads] of [
      [module, 1],
      [other, 2],
    ] as const) {
      const model = await source.create({ threads, seed: 4, workers: 'always' });
      try {
        for (let step = 0; step < 3; step++) await model.trainStep(x, labels, batch);
        weights.push(
          new Map([...model.parameters()].map(([name, value]) => [name, value.slice()])),
        );
      } finally {
        await model.dispose();
      }
    }
    t.true(shuffled.layers - before > 0, 'layers ran through the shuffled pool');
    for (const [name, value] of weights[0])
      t.true(
        Buffer.from((weights[1].get(name) as Float32Array).buffer).equals(
          Buffer.from(value.buffer),
        ),
        name,
      );
  });

test('LeNet-5 on the real pool with late and nudged workers: forward and training bytes of one thread', async (t) => {
  const { code, module } = await buildTrain('late-lenet5', TRAIN_CASES[0].source);
  const other = await importShuffled<TrainModule>('late-lenet5', code);
  const batch = 64;
  const x = seeded(batch * 784, 8);
  const labels = Array.from({ length: batch }, (_, idx) => (idx * 7) % 10);
  const results: { forward: Buffer; weights: Map<string, Float32Array> }[] = [];
  const before = late.layers;
  for (const [source, threads] of [
    [module, 1],
    [other, 3],
  ] as const) {
    const model = await source.create({ threads, seed: 6, workers: 'always' });
    try {
      const forward = Buffer.from((await model.forward(x, batch)).slice().buffer);
      for (let step = 0; step < 3; step++) await model.trainStep(x, labels, batch);
      const weights = new Map(
        [...model.parameters()].map(([name, value]) => [name, value.slice()]),
      );
      results.push({ forward, weights });
    } finally {
      await model.dispose();
    }
  }
  t.true(late.layers - before > 0, 'layers ran through the real pool');
  t.true(results[1].forward.equals(results[0].forward), 'forward');
  for (const [name, value] of results[0].weights)
    t.true(
      Buffer.from((results[1].weights.get(name) as Float32Array).buffer).equals(
        Buffer.from(value.buffer),
      ),
      name,
    );
});
