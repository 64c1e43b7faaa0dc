// The generated backward as a whole: a residual block (a value used twice, whose gradients are
// summed), a training-mode BatchNorm and a fused-at-inference activation, checked against central
// differences of the training-mode loss; dropout masks come from the seed.
import test from 'ava';
import { crossEntropy } from '../../runtime/losses/index.js';
import { buildTrainable } from './train-helpers.js';

const SOURCE = `
model Tiny {
  input x: [2, 6, 6]
  conv(3, 3, pad=1)
  residual {
    conv(3, 3, pad=1)
    batchnorm
    relu
  }
  relu
  flatten
  dropout(0.25)
  linear(4)
  output y
}

train Tiny {
  loss = cross_entropy
  optimizer = sgd(lr=0)
  batch = 4
  seed = 3
}
`;

function inputs(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

test('tiny residual model: trainStep gradients match central differences of the loss', async (t) => {
  const module = await buildTrainable(
    'tiny-residual',
    'tiny.cnn',
    SOURCE.replace('dropout(0.25)', ''),
  );
  const model = await module.create({ seed: 5, mode: 'cpu' });
  const batch = 4;
  const x = inputs(batch * 72, 9);
  const labels = [0, 1, 2, 3];
  const lossAt = async () => {
    model.train();
    const logits = await model.forward(x, batch);
    model.eval();
    return crossEntropy(logits, labels, batch).loss;
  };
  try {
    const step = await model.trainStep(x, labels, batch, { gradients: true });
    t.is(step.loss, await lossAt());
    let worst = 0;
    for (const [name, value] of model.parameters()) {
      const gradient = step.gradients?.get(name);
      if (name.endsWith('running_mean') || name.endsWith('running_var')) continue;
      if (!gradient) return t.fail(`no gradient for ${name}`);
      for (const idx of [0, Math.floor(value.length / 2), value.length - 1]) {
        const saved = value[idx];
        const h = 1e-3;
        value[idx] = saved + h;
        const plus = await lossAt();
        value[idx] = saved - h;
        const minus = await lossAt();
        value[idx] = saved;
        const numeric = (plus - minus) / (2 * h);
        const error = Math.abs(numeric - gradient[idx]) / Math.max(1e-2, Math.abs(numeric));
        worst = Math.max(worst, error);
        t.true(error < 5e-2, `${name}[${idx}]: numeric ${numeric}, generated ${gradient[idx]}`);
      }
    }
    t.log(`worst relative error ${worst.toExponential(2)}`);
  } finally {
    await model.dispose();
  }
});

test('tiny residual model with dropout: seeded masks, running statistics, loss decreasing', async (t) => {
  const module = await buildTrainable('tiny-dropout', 'tiny.cnn', SOURCE);
  const run = async () => {
    const model = await module.create({
      seed: 5,
      train: { optimizer: { kind: 'adam', lr: 1e-2 } },
    });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++)
      losses.push((await model.trainStep(inputs(4 * 72, 9), [0, 1, 2, 3], 4)).loss);
    const runningMean = model.parameters().get('1.0.1.running_mean')?.slice();
    await model.dispose();
    return { losses, runningMean };
  };
  const first = await run();
  const second = await run();
  t.deepEqual(first.losses, second.losses);
  t.true(first.losses[29] < first.losses[0] / 2, `${first.losses[0]} → ${first.losses[29]}`);
  t.notDeepEqual(Array.from(first.runningMean ?? []), [0, 0, 0]);
});
