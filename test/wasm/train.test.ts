// Training on the wasm target against the gpu.js target (same seed, same batch, LeNet-5 with no
// dropout): the same gradients at every step of Adam, the same weights after SGD with momentum,
// Nesterov and weight decay; and bit-identical weights for 1 and 2 threads after 20 Adam steps.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { buildTrain, maxRelative, seeded, type TrainModel } from './build-train.js';

const LENET = readFileSync('examples/lenet5.cnn', 'utf8');
const BATCH = 16;
const x = seeded(BATCH * 784, 3);
const labels = Array.from({ length: BATCH }, (_, idx) => (idx * 7) % 10);

async function pair(source: string, name: string): Promise<[TrainModel, TrainModel]> {
  const wasm = await buildTrain(name, source, 'wasm');
  const gpujs = await buildTrain(name, source, 'gpujs');
  return [
    await wasm.module.create({ threads: 1, seed: 1 }),
    await gpujs.module.create({ mode: 'cpu', seed: 1 }),
  ];
}

test('LeNet-5, Adam: along 5 steps, the gpu.js target gradients within 1e-5 at the same weights', async (t) => {
  const [wasm, gpujs] = await pair(LENET, 'lenet5-adam');
  try {
    for (let step = 0; step < 5; step++) {
      // Adam turns float32 rounding differences of near-zero gradients into whole steps, so the
      // weights are synchronised before each step and the backward is compared at the same point.
      (wasm as unknown as { loadWeights(bytes: Uint8Array): void }).loadWeights(
        (gpujs as unknown as { saveWeights(): Uint8Array }).saveWeights(),
      );
      const a = await wasm.trainStep(x, labels, BATCH, { gradients: true });
      const b = await gpujs.trainStep(x, labels, BATCH, { gradients: true });
      t.true(Math.abs(a.loss - b.loss) < 1e-5 * Math.abs(b.loss), `step ${step}: loss`);
      for (const [name, expected] of b.gradients ?? []) {
        const error = maxRelative(a.gradients?.get(name) ?? [], expected);
        t.true(error < 1e-5, `step ${step}: ${name} gradient, relative error ${error}`);
      }
    }
  } finally {
    await wasm.dispose();
    await gpujs.dispose();
  }
});

test('LeNet-5, SGD with momentum, Nesterov and weight decay: weights within 1e-5 after 5 steps', async (t) => {
  const source = LENET.replace(
    'optimizer = adam(lr=2e-3)',
    'optimizer = sgd(lr=0.05, momentum=0.9, nesterov=true, weight_decay=1e-3)',
  );
  t.not(source, LENET);
  const [wasm, gpujs] = await pair(source, 'lenet5-sgd');
  try {
    for (let step = 0; step < 5; step++) {
      await wasm.trainStep(x, labels, BATCH);
      await gpujs.trainStep(x, labels, BATCH);
    }
    for (const [name, expected] of gpujs.parameters()) {
      const error = maxRelative(wasm.parameters().get(name) ?? [], expected);
      t.true(error < 1e-5, `${name}: relative error ${error}`);
    }
  } finally {
    await wasm.dispose();
    await gpujs.dispose();
  }
});

test('LeNet-5, Adam: bit-identical weights for 1 and 2 threads after 20 steps', async (t) => {
  const { module } = await buildTrain('lenet5-threads', LENET, 'wasm');
  const weights: Map<string, Float32Array>[] = [];
  for (const threads of [1, 2]) {
    const model = await module.create({ threads, seed: 4, workers: 'always' });
    try {
      for (let step = 0; step < 20; step++) {
        const start = (step % 2) * 4;
        await model.trainStep(
          x.subarray(start * 784, (start + 12) * 784),
          labels.slice(start, start + 12),
          12,
        );
      }
      weights.push(new Map([...model.parameters()].map(([name, value]) => [name, value.slice()])));
    } finally {
      await model.dispose();
    }
  }
  for (const [name, value] of weights[0]) {
    const other = weights[1].get(name) ?? new Float32Array();
    t.true(
      value.length === other.length && value.every((v, idx) => Object.is(v, other[idx])),
      `${name} differs between 1 and 2 threads`,
    );
  }
  t.true(
    [...weights[0].values()].some((value) => value.some((v) => v !== 0)),
    'weights are not all zero',
  );
});

const RESIDUAL = `
model Tiny {
  input x: [2, 6, 6]
  conv(4, 3, pad=1)
  residual {
    conv(4, 3, pad=1)
    batchnorm
    relu
  }
  relu
  avgpool(global)
  flatten
  dropout(0.25)
  linear(3)
  output y
}

train Tiny {
  loss = cross_entropy
  optimizer = adam(lr=1e-2)
  batch = 4
  seed = 3
}
`;

test('residual + BatchNorm + seeded dropout: trainStep gradients and running statistics match gpu.js', async (t) => {
  const [wasm, gpujs] = await pair(RESIDUAL, 'tiny-residual');
  const input = seeded(8 * 72, 9);
  const targets = [0, 1, 2, 0, 1, 2, 2, 1];
  try {
    for (let step = 0; step < 3; step++) {
      (wasm as unknown as { loadWeights(bytes: Uint8Array): void }).loadWeights(
        (gpujs as unknown as { saveWeights(): Uint8Array }).saveWeights(),
      );
      const a = await wasm.trainStep(input, targets, 8, { gradients: true });
      const b = await gpujs.trainStep(input, targets, 8, { gradients: true });
      t.true(Math.abs(a.loss - b.loss) < 1e-5 * Math.abs(b.loss), `step ${step}: loss`);
      t.true((b.gradients?.size ?? 0) > 0);
      for (const [name, expected] of b.gradients ?? []) {
        const actual = a.gradients?.get(name) ?? new Float32Array();
        // The bias before the BatchNorm has a zero gradient in exact arithmetic: float32 noise.
        if (expected.every((v) => Math.abs(v) < 1e-6)) {
          t.true(
            actual.every((v) => Math.abs(v) < 1e-6),
            `step ${step}: ${name} should be 0`,
          );
          continue;
        }
        const error = maxRelative(actual, expected);
        t.true(error < 1e-4, `step ${step}: ${name} gradient, relative error ${error}`);
      }
    }
    for (const [name, expected] of gpujs.parameters())
      if (name.includes('running')) {
        const error = maxRelative(wasm.parameters().get(name) ?? [], expected);
        t.true(error < 1e-5, `${name}: relative error ${error}`);
      }
  } finally {
    await wasm.dispose();
    await gpujs.dispose();
  }
});
