// Finite-difference checks of the backward of every non-convolution layer: activations (and a
// fused chain), linear, flatten, training-mode batchnorm, dropout, softmax, add, concat, pad, lrn.
import test from 'ava';
import { activationGrad, elementwiseChainGrad } from '../../runtime/gradients/activation.grad.js';
import { addGrad } from '../../runtime/gradients/add.grad.js';
import { batchnormGrad, batchnormTrain } from '../../runtime/gradients/batchnorm.grad.js';
import { concatGrad } from '../../runtime/gradients/concat.grad.js';
import { dropoutGrad, dropoutMask, dropoutTrain } from '../../runtime/gradients/dropout.grad.js';
import { flattenGrad } from '../../runtime/gradients/flatten.grad.js';
import { linearGrad } from '../../runtime/gradients/linear.grad.js';
import { lrnGrad } from '../../runtime/gradients/lrn.grad.js';
import { padGrad } from '../../runtime/gradients/pad.grad.js';
import { gradientRule } from '../../compiler/emit/gradient-rules.js';
import { KERNEL_FACTORIES } from '../../runtime/factories.js';
import { GRADIENTS, gradientFor } from '../../runtime/gradients/registry.js';
import * as runtime from '../../runtime/index.js';
import { softmaxGrad } from '../../runtime/gradients/softmax.grad.js';
import type { ActivationKind, ActivationSpec } from '../../runtime/kernels/activation.js';
import type { PadMode } from '../../runtime/kernels/padding.js';
import { createRng } from '../../runtime/rng.js';
import { batchStatistics, relativeError } from '../helpers/reference-grad.js';
import * as reference from '../helpers/reference.js';
import { assertClose, randomTensor, sharedBackend } from '../runtime/support.js';
import { assertGradients, awayFromKinks, GRAD_TOLERANCE, size } from './support.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

const KINKS: Partial<Record<ActivationKind, number[]>> = {
  relu: [0],
  relu6: [0, 6],
  leaky_relu: [0],
  elu: [0],
  hardswish: [-3, 3],
};

const activations: [ActivationKind, number?][] = [
  ['identity'],
  ['relu'],
  ['relu6'],
  ['leaky_relu'],
  ['leaky_relu', 0.2],
  ['elu'],
  ['elu', 0.5],
  ['sigmoid'],
  ['tanh'],
  ['gelu'],
  ['silu'],
  ['hardswish'],
];

for (const [kind, alpha] of activations) {
  const name = `${kind}${alpha === undefined ? '' : `(alpha=${alpha})`} x=[2,3,4,4]`;
  test(name, async (t) => {
    // Spread over [-8, 8) to reach the saturation of relu6 and hardswish, away from the kinks.
    // NOTE: gelu stays in [-3, 3): the reference's Maclaurin erf loses digits to cancellation
    // beyond, which finite differences amplify to 1e-3.
    const spread = kind === 'gelu' ? 3 : 8;
    const x = awayFromKinks(
      randomTensor(name, 96).map((v) => v * spread),
      KINKS[kind] ?? [],
    );
    const grad = activationGrad(backend.get(), {
      features: 48,
      kind,
      ...(alpha === undefined ? {} : { alpha }),
    });
    await assertGradients(t, name, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) => reference.activateAll(data, kind, alpha),
      backward: async (gradOutput) => [(await grad(gradOutput, { input: x }, 2)).input],
    });
  });
}

test('relu, relu6 and leaky_relu take PyTorch’s derivative at their kinks', async (t) => {
  const x = Float32Array.from([0, 6, -3, 3]);
  const ones = new Float32Array(4).fill(1);
  const at = async (kind: ActivationKind) =>
    Array.from(
      (await activationGrad(backend.get(), { features: 4, kind })(ones, { input: x }, 1)).input,
    );
  t.deepEqual(await at('relu'), [0, 1, 0, 1]);
  t.deepEqual(await at('relu6'), [0, 0, 0, 1]);
  t.deepEqual(await at('hardswish'), [0.5, 1, -0.5, 1.5]);
});

test('elementwise chain sigmoid → tanh → silu x=[2,10]', async (t) => {
  const steps: ActivationSpec[] = [{ kind: 'sigmoid' }, { kind: 'tanh' }, { kind: 'silu' }];
  const x = randomTensor('chain', 20).map((v) => v * 3);
  const grad = elementwiseChainGrad(backend.get(), { features: 10, steps });
  await assertGradients(t, 'chain', {
    names: ['input'],
    inputs: [x],
    reference: ([data]) => steps.reduce((acc, step) => reference.activateAll(acc, step.kind), data),
    backward: async (gradOutput) => [(await grad(gradOutput, { input: x }, 2)).input],
  });
});

for (const [inFeatures, outFeatures, hasBias, act] of [
  [5, 3, true, undefined],
  [7, 4, false, undefined],
  [6, 3, true, 'sigmoid'],
] as const) {
  const name = `linear in=${inFeatures} out=${outFeatures} bias=${hasBias}${act ? ` act=${act}` : ''}`;
  test(name, async (t) => {
    const batch = 3;
    const inputs = [
      randomTensor(`${name} x`, batch * inFeatures),
      randomTensor(`${name} w`, outFeatures * inFeatures),
    ];
    if (hasBias) inputs.push(randomTensor(`${name} b`, outFeatures));
    const grad = linearGrad(backend.get(), {
      inFeatures,
      outFeatures,
      ...(act ? { activation: { kind: act } } : {}),
    });
    await assertGradients(t, name, {
      names: ['input', 'weight', 'bias'].slice(0, inputs.length),
      inputs,
      reference: ([x, w, b]) => {
        const out = reference.linear(
          reference.tensor(x, [batch, inFeatures]),
          reference.tensor(w, [outFeatures, inFeatures]),
          b ? reference.tensor(b, [outFeatures]) : null,
        );
        return reference.activateAll(out.data, act ?? 'identity');
      },
      backward: async (gradOutput) => {
        const result = await grad(
          gradOutput,
          { input: inputs[0], weight: inputs[1], bias: inputs[2] ?? null },
          batch,
        );
        return [result.input, result.weight, result.bias].slice(0, inputs.length);
      },
    });
  });
}

test('flatten passes the gradient through as a copy', async (t) => {
  const gradOutput = randomTensor('flatten', 24);
  const result = await flattenGrad({ features: 12 })(gradOutput, {}, 2);
  t.deepEqual(result.input, gradOutput);
  t.not(result.input, gradOutput);
});

for (const [channels, spatial, affine, act] of [
  [3, 6, true, undefined],
  [2, 4, false, undefined],
  [4, 1, true, undefined],
  [2, 5, true, 'gelu'],
] as const) {
  const name = `batchnorm train x=[3,${channels},${spatial}] affine=${affine}${act ? ` act=${act}` : ''}`;
  test(name, async (t) => {
    const batch = 3;
    const eps = 1e-5;
    const desc = { channels, spatial, eps, ...(act ? { activation: { kind: act } } : {}) };
    const inputs = [randomTensor(`${name} x`, batch * channels * spatial)];
    if (affine) {
      inputs.push(randomTensor(`${name} gamma`, channels).map((v) => 1 + 0.5 * v));
      inputs.push(randomTensor(`${name} beta`, channels));
    }
    const [x, gamma = null, beta = null] = inputs;
    const train = await batchnormTrain(backend.get(), desc)(
      x,
      gamma,
      beta,
      new Float32Array(channels),
      new Float32Array(channels).fill(1),
      batch,
    );
    const forward = ([data, g, b]: Float64Array[]) => {
      const stats = batchStatistics(data, batch, channels);
      const out = reference.batchnorm(
        reference.tensor(data, [batch, channels, spatial]),
        g ? Array.from(g) : null,
        b ? Array.from(b) : null,
        stats.mean,
        stats.variance,
        eps,
      );
      return reference.activateAll(out.data, act ?? 'identity');
    };
    assertClose(t, train.output, forward(inputs.map((v) => Float64Array.from(v))));
    const grad = batchnormGrad(backend.get(), desc);
    const saved = { input: x, gamma, beta, mean: train.mean, variance: train.variance };
    await assertGradients(t, name, {
      names: ['input', 'gamma', 'beta'].slice(0, inputs.length),
      inputs,
      reference: forward,
      backward: async (gradOutput) => {
        const result = await grad(gradOutput, saved, batch);
        return [result.input, result.gamma, result.beta].slice(0, inputs.length);
      },
    });
  });
}

test('batchnorm train updates running statistics with momentum and the unbiased variance', async (t) => {
  const [batch, channels, spatial] = [2, 3, 4];
  const x = randomTensor('bn running', batch * channels * spatial);
  const runningMean = Float32Array.from([0.5, -0.5, 0]);
  const runningVar = Float32Array.from([1, 2, 0.5]);
  const result = await batchnormTrain(backend.get(), { channels, spatial, momentum: 0.3 })(
    x,
    null,
    null,
    runningMean,
    runningVar,
    batch,
  );
  const stats = batchStatistics(Float64Array.from(x), batch, channels);
  const count = batch * spatial;
  const expectedMean = stats.mean.map((m, c) => 0.7 * runningMean[c] + 0.3 * m);
  const expectedVar = stats.variance.map(
    (v, c) => 0.7 * runningVar[c] + 0.3 * ((v * count) / (count - 1)),
  );
  assertClose(t, result.runningMean, expectedMean);
  assertClose(t, result.runningVar, expectedVar);
  t.deepEqual(Array.from(runningMean), [0.5, -0.5, 0], 'the inputs are not modified');
});

test('dropout p=0.3: seeded masks, inverted scaling, gradient through the mask', async (t) => {
  const p = 0.3;
  const mask = dropoutMask(createRng(7), 20000, p);
  const dropped = mask.filter((v) => v === 0).length / mask.length;
  t.true(Math.abs(dropped - p) < 0.015, `dropped ${dropped}`);
  t.true(mask.every((v) => v === 0 || v === Math.fround(1 / (1 - p))));
  t.deepEqual(dropoutMask(createRng(7), 100, p), dropoutMask(createRng(7), 100, p));
  const desc = { features: 12, p };
  const x = randomTensor('dropout x', 24);
  const train = await dropoutTrain(backend.get(), desc)(x, createRng(3), 2);
  t.deepEqual(train.mask, dropoutMask(createRng(3), 24, p));
  const grad = dropoutGrad(backend.get(), desc);
  await assertGradients(t, 'dropout', {
    names: ['input'],
    inputs: [x],
    reference: ([data]) => data.map((v, idx) => v * train.mask[idx]),
    backward: async (gradOutput) => [(await grad(gradOutput, { mask: train.mask }, 2)).input],
  });
});

for (const [channels, spatial] of [
  [5, 1],
  [4, 3],
] as const) {
  const name = `softmax x=[2,${channels},${spatial}]`;
  test(name, async (t) => {
    const x = randomTensor(name, 2 * channels * spatial).map((v) => 3 * v);
    const shape = [2, channels, spatial];
    const output = Float32Array.from(reference.softmax(reference.tensor(x, shape)).data);
    const grad = softmaxGrad(backend.get(), { channels, spatial });
    await assertGradients(t, name, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) => reference.softmax(reference.tensor(data, shape)).data,
      backward: async (gradOutput) => [(await grad(gradOutput, { output }, 2)).input],
    });
  });
}

for (const [count, act] of [
  [2, undefined],
  [3, 'tanh'],
] as const) {
  const name = `add inputs=${count} x=[2,10]${act ? ` act=${act}` : ''}`;
  test(name, async (t) => {
    const inputs = Array.from({ length: count }, (_, idx) => randomTensor(`${name} ${idx}`, 20));
    const grad = addGrad(backend.get(), {
      features: 10,
      inputs: count,
      ...(act ? { activation: { kind: act } } : {}),
    });
    await assertGradients(t, name, {
      names: inputs.map((_, idx) => `input ${idx}`),
      inputs,
      reference: (values) => {
        const sum = values[0].map((_, idx) => values.reduce((acc, v) => acc + v[idx], 0));
        return reference.activateAll(sum, act ?? 'identity');
      },
      backward: async (gradOutput) => (await grad(gradOutput, { inputs }, 2)).inputs,
    });
  });
}

test('concat channels=[2,1,3] spatial=4 x batch 2', async (t) => {
  const channels = [2, 1, 3];
  const inputs = channels.map((c, idx) => randomTensor(`concat ${idx}`, 2 * c * 4));
  const grad = concatGrad(backend.get(), { channels, spatial: 4 });
  await assertGradients(t, 'concat', {
    names: ['a', 'b', 'c'],
    inputs,
    reference: (values) =>
      reference.concat(values.map((v, idx) => reference.tensor(v, [2, channels[idx], 4]))).data,
    backward: async (gradOutput) => (await grad(gradOutput, {}, 2)).inputs,
  });
});

for (const mode of ['zeros', 'reflect', 'replicate', 'circular'] as PadMode[]) {
  const name = `pad x=[2,2,4,5] sides=[1,2,3,1] mode=${mode}`;
  test(name, async (t) => {
    const shape = [2, 2, 4, 5];
    const x = randomTensor(name, size(shape));
    const desc = {
      channels: 2,
      inHeight: 4,
      inWidth: 5,
      padTop: 1,
      padBottom: 2,
      padLeft: 3,
      padRight: 1,
      mode,
    };
    const grad = padGrad(backend.get(), desc);
    await assertGradients(t, name, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) =>
        reference.padNd(
          reference.tensor(data, shape),
          [
            [1, 2],
            [3, 1],
          ],
          mode,
        ).data,
      backward: async (gradOutput) => [(await grad(gradOutput, {}, 2)).input],
    });
  });
}

for (const [lrnSize, alpha, beta, k] of [
  [5, 1e-4, 0.75, 2],
  [3, 0.8, 0.75, 1],
  [4, 0.5, 0.5, 1.5],
] as const) {
  const name = `lrn x=[2,6,3] size=${lrnSize} alpha=${alpha} beta=${beta} k=${k}`;
  test(name, async (t) => {
    const shape = [2, 6, 3];
    const x = randomTensor(name, size(shape)).map((v) => 2 * v);
    const grad = lrnGrad(backend.get(), { channels: 6, spatial: 3, size: lrnSize, alpha, beta, k });
    await assertGradients(t, name, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) =>
        reference.lrn(reference.tensor(data, shape), lrnSize, alpha, beta, k).data,
      backward: async (gradOutput) => [(await grad(gradOutput, { input: x }, 2)).input],
    });
  });
}

test('the check rejects a wrong gradient (a conv weight gradient off by 1%)', (t) => {
  const expected = randomTensor('meta', 50);
  const wrong = expected.map((v, idx) => (idx === 7 ? v + 0.01 : v));
  t.true(relativeError(wrong, expected) > GRAD_TOLERANCE);
});

test('the registry names a backward for every forward kernel factory, as the compiler does', (t) => {
  const factories = Object.keys(KERNEL_FACTORIES).sort();
  t.deepEqual(Object.keys(GRADIENTS).sort(), factories, 'one backward per forward factory');
  // A rule lives in the spec of each layer that plans the factory (`backends.gradients`).
  t.deepEqual(
    factories.filter((factory) => gradientRule(factory) !== undefined),
    factories,
    'one compiler rule per factory',
  );
  const exports = runtime as unknown as Record<string, unknown>;
  for (const factory of factories as (keyof typeof GRADIENTS)[]) {
    t.is(typeof gradientFor(factory), 'function', factory);
    const rule = gradientRule(factory);
    if (!rule) continue;
    t.is(exports[rule.grad], GRADIENTS[factory], `${factory}: the compiler's \`${rule.grad}\``);
    if (rule.trainForward) t.is(typeof exports[rule.trainForward], 'function', rule.trainForward);
  }
  t.is(GRADIENTS.conv2dIm2col as unknown, GRADIENTS.conv2d as unknown);
});
