// The generated LeNet-5 trains: one epoch on the mnist package's digits reaches at least 90% on
// the held-out 20%, and the same seed gives bit-identical weights after 100 steps on webasm.
import test from 'ava';
import { batches, epochOrder, loadTrainingData } from '../../trainer/index.js';
import { writeSafetensors } from '../../runtime/safetensors.js';
import { buildTrainable } from './train-helpers.js';

const lenet = buildTrainable('lenet5', 'examples/lenet5.cnn');
const data = (() => {
  const split = loadTrainingData('mnist');
  if (!split.ok) throw new Error(split.message);
  return split.value;
})();

test('lenet5: one epoch of adam at batch 32 reaches 90% on the held-out digits', async (t) => {
  const module = await lenet;
  const model = await module.create({ seed: 42, train: { lr: 2e-3 } });
  try {
    const { train, test: heldOut } = data;
    const losses: number[] = [];
    for (const batch of batches(train, 32, epochOrder(train.labels.length, 42, 0))) {
      const result = await model.trainStep(batch.images, batch.labels, batch.size);
      losses.push(result.loss);
    }
    const first = losses.slice(0, 20).reduce((a, b) => a + b) / 20;
    const last = losses.slice(-20).reduce((a, b) => a + b) / 20;
    t.true(last < first / 3, `loss ${first} → ${last}`);
    const result = await model.evaluate(heldOut.images, heldOut.labels, heldOut.labels.length);
    t.log(`held-out accuracy ${(100 * result.accuracy).toFixed(2)}%, AUC ${result.auc.toFixed(4)}`);
    t.true(result.accuracy >= 0.9, `accuracy ${result.accuracy}`);
    t.true(result.precision > 0.85 && result.recall > 0.85 && result.auc > 0.98);
  } finally {
    await model.dispose();
  }
});

async function weightsAfter(steps: number, seed: number): Promise<Uint8Array> {
  const module = await lenet;
  const model = await module.create({ seed, mode: 'webasm' });
  try {
    let step = 0;
    for (const batch of batches(data.train, 8, epochOrder(data.train.labels.length, seed, 0))) {
      if (step++ === steps) break;
      await model.trainStep(batch.images, batch.labels, batch.size);
    }
    const tensors = new Map(
      [...model.parameters()].map(([name, value]) => [
        name,
        { shape: [value.length], data: value },
      ]),
    );
    return writeSafetensors(tensors);
  } finally {
    await model.dispose();
  }
}

test('lenet5: the same seed gives bit-identical weights after 100 adam steps on webasm', async (t) => {
  const first = await weightsAfter(100, 7);
  const second = await weightsAfter(100, 7);
  t.deepEqual(Buffer.from(first), Buffer.from(second));
  const other = await weightsAfter(1, 8);
  t.notDeepEqual(Buffer.from(first), Buffer.from(other));
});
