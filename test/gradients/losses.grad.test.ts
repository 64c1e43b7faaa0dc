// Every loss against float64 references written here from PyTorch's definitions: the value, and
// the gradient by central finite differences of that reference.
import test from 'ava';
import {
  bceWithLogits,
  crossEntropy,
  hinge,
  lossFunction,
  mse,
} from '../../runtime/losses/index.js';
import { finiteDifferences, relativeError } from '../helpers/reference-grad.js';
import { randomTensor } from '../runtime/support.js';
import { GRAD_TOLERANCE } from './support.js';

const [batch, classes] = [4, 5];
const labels = [3, 0, 4, 1];

// PyTorch CrossEntropyLoss: −log softmax(z)[y], mean over the batch (naive but exact in float64).
function crossEntropy64(z: Float64Array): number {
  let total = 0;
  for (let n = 0; n < batch; n++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(z[n * classes + c]);
    total += -Math.log(Math.exp(z[n * classes + labels[n]]) / sum);
  }
  return total / batch;
}

// PyTorch MultiMarginLoss(p=1, margin=1): Σ_{i≠y} max(0, 1 − z_y + z_i) / C, mean over the batch.
function hinge64(z: Float64Array): number {
  let total = 0;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < classes; c++) {
      if (c !== labels[n])
        total += Math.max(0, 1 - z[n * classes + labels[n]] + z[n * classes + c]) / classes;
    }
  }
  return total / batch;
}

const targets = randomTensor('targets', batch * classes);
const binaryTargets = randomTensor('binary', batch * classes).map((v) => (v > 0 ? 1 : 0));

function mse64(z: Float64Array): number {
  return z.reduce((acc, v, idx) => acc + (v - targets[idx]) ** 2, 0) / z.length;
}

// PyTorch BCEWithLogitsLoss: −[t·log σ(z) + (1 − t)·log(1 − σ(z))], mean.
function bce64(z: Float64Array): number {
  return (
    z.reduce((acc, v, idx) => {
      const s = 1 / (1 + Math.exp(-v));
      const t = binaryTargets[idx];
      return acc - (t * Math.log(s) + (1 - t) * Math.log(1 - s));
    }, 0) / z.length
  );
}

const cases = [
  ['cross_entropy', crossEntropy64, (z: Float32Array) => crossEntropy(z, labels, batch)],
  ['hinge', hinge64, (z: Float32Array) => hinge(z, labels, batch)],
  ['mse', mse64, (z: Float32Array) => mse(z, targets)],
  ['bce', bce64, (z: Float32Array) => bceWithLogits(z, binaryTargets)],
] as const;

for (const [name, reference, loss] of cases) {
  test(`${name} logits=[${batch},${classes}] value and gradient`, (t) => {
    // Hinge is kinked where a margin is exactly 0; these seeded logits have no margin within h of 0.
    const logits = randomTensor(`${name} logits`, batch * classes).map((v) => 2 * v);
    const result = loss(logits);
    const expected = reference(Float64Array.from(logits));
    t.true(
      Math.abs(result.loss - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
      `${result.loss} vs ${expected}`,
    );
    const [fd] = finiteDifferences(([z]) => Float64Array.of(reference(z)), [logits], [1]);
    const error = relativeError(result.gradient, fd);
    t.true(error < GRAD_TOLERANCE, `relative error ${error.toExponential(2)}`);
  });
}

test('cross_entropy and bce stay finite and exact for logits of ±1000', (t) => {
  const logits = Float32Array.from([1000, -1000, 0, 999, 1000]);
  const ce = crossEntropy(logits, [0], 1);
  t.true(Math.abs(ce.loss - Math.log(1 + Math.exp(-1) + 1)) < 1e-9);
  t.true(ce.gradient.every(Number.isFinite));
  const bce = bceWithLogits(Float32Array.from([1000, -1000]), [0, 1]);
  t.is(bce.loss, 1000);
  t.deepEqual(Array.from(bce.gradient), [0.5, -0.5]);
});

test('lossFunction names each loss and labels are checked', (t) => {
  const logits = randomTensor('names', 10);
  t.deepEqual(lossFunction('cross_entropy')(logits, [1, 0], 2), crossEntropy(logits, [1, 0], 2));
  t.throws(() => crossEntropy(logits, [5, 0], 2), {
    message: /label 5 of sample 0 is not a class in \[0, 5\)/,
  });
});
