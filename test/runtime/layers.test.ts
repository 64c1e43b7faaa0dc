// The non-convolution layers against the float64 reference: activations, linear, batchnorm,
// softmax, lrn, pad, add, concat and dropout.
import test from 'ava';
import { activation, type ActivationKind } from '../../runtime/kernels/activation.js';
import { add } from '../../runtime/kernels/add.js';
import { batchnorm } from '../../runtime/kernels/batchnorm.js';
import { concat } from '../../runtime/kernels/concat.js';
import { dropout } from '../../runtime/kernels/dropout.js';
import { linear } from '../../runtime/kernels/linear.js';
import { lrn } from '../../runtime/kernels/lrn.js';
import { pad } from '../../runtime/kernels/pad.js';
import type { PadMode } from '../../runtime/kernels/padding.js';
import { softmax } from '../../runtime/kernels/softmax.js';
import * as reference from '../helpers/reference.js';
import { assertClose, randomTensor, sharedBackend } from './support.js';

const backend = sharedBackend();
test.after.always(() => backend.dispose());

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
  test(`${kind}${alpha === undefined ? '' : `(alpha=${alpha})`} x=[2,3,4,4]`, async (t) => {
    // Spread values over [-8, 8) to reach relu6's and hardswish's saturation.
    const x = randomTensor(`act ${kind}`, 96).map((v) => v * 8);
    const layer = activation(backend.get(), {
      features: 48,
      kind,
      ...(alpha === undefined ? {} : { alpha }),
    });
    assertClose(t, await layer(x, 2), reference.activateAll(x, kind, alpha));
  });
}

for (const [inFeatures, outFeatures, hasBias, act] of [
  [5, 3, true, undefined],
  [17, 8, false, undefined],
  [1200, 4, true, 'relu'],
] as const) {
  test(`linear in=${inFeatures} out=${outFeatures} bias=${hasBias}${act ? ` act=${act}` : ''}`, async (t) => {
    const batch = 3;
    const x = randomTensor(`lin x ${inFeatures}`, batch * inFeatures);
    const w = randomTensor(`lin w ${inFeatures}`, outFeatures * inFeatures);
    const b = hasBias ? randomTensor(`lin b ${inFeatures}`, outFeatures) : null;
    const layer = linear(backend.get(), {
      inFeatures,
      outFeatures,
      ...(act ? { activation: { kind: act } } : {}),
    });
    const expected = reference.linear(
      reference.tensor(x, [batch, inFeatures]),
      reference.tensor(w, [outFeatures, inFeatures]),
      b && reference.tensor(b, [outFeatures]),
    );
    assertClose(
      t,
      await layer(x, w, b, batch),
      reference.activateAll(expected.data, act ?? 'identity'),
    );
  });
}

for (const affine of [true, false]) {
  test(`batchnorm x=[2,3,4,5] eps=1e-3 affine=${affine}`, async (t) => {
    const x = randomTensor('bn x', 120);
    const gamma = affine ? randomTensor('bn g', 3) : null;
    const beta = affine ? randomTensor('bn b', 3) : null;
    const mean = randomTensor('bn m', 3);
    const variance = randomTensor('bn v', 3).map((v) => v + 1.5);
    const layer = batchnorm(backend.get(), { channels: 3, spatial: 20, eps: 1e-3 });
    const expected = reference.batchnorm(
      reference.tensor(x, [2, 3, 4, 5]),
      gamma && Array.from(gamma),
      beta && Array.from(beta),
      Array.from(mean),
      Array.from(variance),
      1e-3,
    );
    assertClose(t, await layer(x, gamma, beta, mean, variance, 2), expected.data);
  });
}

for (const [channels, spatial] of [
  [10, 1],
  [4, 6],
]) {
  test(`softmax over channels x=[2,${channels},${spatial}]`, async (t) => {
    // Large logits check the max subtraction.
    const x = randomTensor(`sm ${channels}`, 2 * channels * spatial).map((v) => v * 60);
    const layer = softmax(backend.get(), { channels, spatial });
    const expected = reference.softmax(reference.tensor(x, [2, channels, spatial]));
    assertClose(t, await layer(x, 2), expected.data);
  });
}

for (const [size, channels] of [
  [5, 7],
  [4, 6],
  [3, 2],
]) {
  test(`lrn size=${size} alpha=1e-2 beta=0.75 k=2 x=[2,${channels},3,3]`, async (t) => {
    const x = randomTensor(`lrn ${size}`, 2 * channels * 9).map((v) => v * 5);
    const layer = lrn(backend.get(), { channels, spatial: 9, size, alpha: 1e-2, beta: 0.75, k: 2 });
    const expected = reference.lrn(reference.tensor(x, [2, channels, 9]), size, 1e-2, 0.75, 2);
    assertClose(t, await layer(x, 2), expected.data);
  });
}

const padCases: [PadMode, [number, number, number, number]][] = [
  ['zeros', [1, 2, 0, 3]],
  ['reflect', [2, 1, 3, 2]],
  ['replicate', [3, 0, 1, 4]],
  ['circular', [2, 2, 4, 1]],
];
for (const [mode, [top, bottom, left, right]] of padCases) {
  test(`pad mode=${mode} sides=[${top},${bottom},${left},${right}] x=[2,2,4,5]`, async (t) => {
    const x = randomTensor(`pad ${mode}`, 80);
    const layer = pad(backend.get(), {
      channels: 2,
      inHeight: 4,
      inWidth: 5,
      padTop: top,
      padBottom: bottom,
      padLeft: left,
      padRight: right,
      mode,
    });
    const expected = reference.padNd(
      reference.tensor(x, [2, 2, 4, 5]),
      [
        [top, bottom],
        [left, right],
      ],
      mode,
    );
    assertClose(t, await layer(x, 2), expected.data);
  });
}

test('add of three tensors with a fused relu x=[2,12]', async (t) => {
  const [a, b, c] = ['a', 'b', 'c'].map((n) => randomTensor(`add ${n}`, 24));
  const layer = add(backend.get(), { features: 12, inputs: 3, activation: { kind: 'relu' } });
  const expected = Array.from(a, (v, i) => Math.max(v + b[i] + c[i], 0));
  assertClose(t, await layer(a, b, c, 2), expected);
});

test('concat along channels of [2,1,3], [2,2,3], [2,3,3]', async (t) => {
  const parts = [1, 2, 3].map((c) => randomTensor(`cat ${c}`, 2 * c * 3));
  const layer = concat(backend.get(), { channels: [1, 2, 3], spatial: 3 });
  const expected = reference.concat(parts.map((p, i) => reference.tensor(p, [2, i + 1, 3])));
  t.deepEqual(await layer(...parts, 2), Float32Array.from(expected.data));
});

test('dropout at inference is the identity and launches no kernel', async (t) => {
  const x = randomTensor('drop', 10);
  const layer = dropout({ features: 5, p: 0.5 });
  t.is(await layer(x, 2), x);
  t.deepEqual(layer.stages(2), []);
  t.throws(() => dropout({ features: 5, p: 1 }), { message: /p must be in \[0, 1\)/ });
});
