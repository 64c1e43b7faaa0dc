// Determinism: a tiny conv model (conv 1→2 3×3 pad 1 + relu, flatten, linear 72→3, cross-entropy)
// trained for 100 steps from the same seed on webasm twice, each run on a fresh backend, ends with
// bit-identical parameters, for SGD with momentum and for Adam.
import test from 'ava';
import { createBackend } from '../../runtime/backend.js';
import { conv2dGrad } from '../../runtime/gradients/conv2d.grad.js';
import { linearGrad } from '../../runtime/gradients/linear.grad.js';
import { conv2d, type Conv2dDescriptor } from '../../runtime/kernels/conv2d.js';
import { linear } from '../../runtime/kernels/linear.js';
import { crossEntropy } from '../../runtime/losses/cross-entropy.js';
import { accuracy } from '../../runtime/metrics.js';
import { createOptimizer, type OptimizerSpec } from '../../runtime/optim/index.js';
import { createRng, pytorchDefaultInit } from '../../runtime/rng.js';

const batch = 4;
const convDesc: Conv2dDescriptor = {
  inChannels: 1,
  inHeight: 6,
  inWidth: 6,
  outChannels: 2,
  outHeight: 6,
  outWidth: 6,
  filterHeight: 3,
  filterWidth: 3,
  strideHeight: 1,
  strideWidth: 1,
  dilationHeight: 1,
  dilationWidth: 1,
  padTop: 1,
  padBottom: 1,
  padLeft: 1,
  padRight: 1,
  groups: 1,
  padMode: 'zeros',
  activation: { kind: 'relu' },
};
const linearDesc = { inFeatures: 72, outFeatures: 3 };

async function train(spec: OptimizerSpec, seed: number) {
  const backend = createBackend({ mode: 'webasm' });
  try {
    const rng = createRng(seed);
    const conv = pytorchDefaultInit(rng, [2, 1, 3, 3], true);
    const fc = pytorchDefaultInit(rng, [3, 72], true);
    const params = [conv.weight, conv.bias!, fc.weight, fc.bias!];
    // A fixed synthetic task: the class is which third of the image is brightest.
    const x = new Float32Array(batch * 36).map(() => rng.uniform(0, 1));
    const labels = [0, 1, 2, 1];
    labels.forEach((label, n) => {
      for (let h = 0; h < 6; h++)
        for (let w = 2 * label; w < 2 * label + 2; w++) x[n * 36 + h * 6 + w] += 1;
    });
    const [convForward, fcForward] = [conv2d(backend, convDesc), linear(backend, linearDesc)];
    const convBackward = conv2dGrad(backend, convDesc, { inputGradient: false });
    const fcBackward = linearGrad(backend, linearDesc);
    const optimizer = createOptimizer(spec);
    const losses: number[] = [];
    let logits: Float32Array = new Float32Array(0);
    for (let step = 0; step < 100; step++) {
      const hidden = await convForward(x, params[0], params[1], batch);
      logits = await fcForward(hidden, params[2], params[3], batch);
      const { loss, gradient } = crossEntropy(logits, labels, batch);
      losses.push(loss);
      const fcGrads = await fcBackward(
        gradient,
        { input: hidden, weight: params[2], bias: params[3] },
        batch,
      );
      const convGrads = await convBackward(
        fcGrads.input!,
        { input: x, weight: params[0], bias: params[1] },
        batch,
      );
      optimizer.step(params, [convGrads.weight, convGrads.bias!, fcGrads.weight, fcGrads.bias!]);
    }
    return { params, losses, accuracy: accuracy(logits, labels, batch) };
  } finally {
    await backend.dispose();
  }
}

const bytes = (params: Float32Array[]) => Buffer.concat(params.map((p) => Buffer.from(p.buffer)));

for (const spec of [
  { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  { kind: 'adam', lr: 0.01 },
] as OptimizerSpec[]) {
  test(`${spec.kind}: 100 steps from seed 42 twice give bit-identical parameters`, async (t) => {
    const first = await train(spec, 42);
    const second = await train(spec, 42);
    t.true(bytes(first.params).equals(bytes(second.params)));
    t.deepEqual(first.losses, second.losses);
    t.true(first.losses[99] < first.losses[0] / 4, `loss ${first.losses[0]} → ${first.losses[99]}`);
    t.is(first.accuracy, 1);
  });
}
