// `normalize`'s backward against central differences of the float64 reference: the gpu.js
// kernel alone (the input gradient ∂L/∂y / std; none when not asked for), and `trainStep` on both
// targets through a convolution before it, with given and with loaded (learnt) buffers, which
// themselves get no gradient.
import test from 'ava';
import { normalizeGrad } from '../../runtime/gradients/normalize.grad.js';
import { writeSafetensors } from '../../runtime/safetensors.js';
import { finiteDifferences, relativeError } from '../helpers/reference-grad.js';
import { activateAll, convNd, normalize, tensor } from '../helpers/reference.js';
import { randomTensor, sharedBackend } from '../runtime/support.js';
import { assertGradients } from './support.js';
import { buildTrain, seeded } from '../wasm/build-train.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

test('normalize kernel gradient x=[2,3,4]: gy / std per channel', async (t) => {
  const shape = [2, 3, 4];
  const x = randomTensor('normalize x', 24);
  const mean = Float32Array.from([0.5, -1, 0.25]);
  const std = Float32Array.from([0.5, 4, 1.5]);
  const grad = normalizeGrad(backend.get(), { channels: 3, spatial: 4 });
  await assertGradients(t, 'normalize', {
    names: ['input'],
    inputs: [x],
    reference: ([data]) => normalize(tensor(data, shape), [...mean], [...std]).data,
    backward: async (gradOutput) => [(await grad(gradOutput, { std }, 2)).input],
  });
  const skipped = normalizeGrad(
    backend.get(),
    { channels: 3, spatial: 4 },
    { inputGradient: false },
  );
  t.is((await skipped(new Float32Array(24), { std }, 2)).input, null);
});

const BATCH = 2;
const INPUT = [2, 5, 5];

const sourceOf = (layer: string) => `model M {
  input x: [${INPUT.join(', ')}]
  conv(3, 3, pad=1)
  ${layer}
  tanh
  output y
}
train M {
  loss = mse
  optimizer = sgd(lr=0)
  batch = ${BATCH}
}
`;

const cases = [
  { name: 'given', layer: 'normalize(mean=[0.1, -0.2, 0.3], std=[0.5, 2, 1.5])', load: false },
  { name: 'learnt (loaded)', layer: 'normalize', load: true },
];

for (const target of ['gpujs', 'wasm'] as const)
  for (const c of cases)
    test(`trainStep through normalize (${c.name}) on ${target} matches central differences`, async (t) => {
      const { module } = await buildTrain(`normalize-grad-${c.name}`, sourceOf(c.layer), target);
      const model = await module.create(
        target === 'wasm' ? { threads: 1, seed: 7 } : { seed: 7, mode: 'cpu' },
      );
      try {
        if (c.load) {
          const buffers: Record<string, number[]> = {
            '1.mean': [0.25, -0.5, 0.125],
            '1.std': [0.75, 1.25, 3],
          };
          const tensors = module.parameterSpecs.map(
            (spec): [string, { shape: number[]; data: Float32Array }] => [
              spec.name,
              {
                shape: [...spec.shape],
                data: Float32Array.from(
                  buffers[spec.name] ?? model.parameters().get(spec.name) ?? [],
                ),
              },
            ],
          );
          model.loadWeights(writeSafetensors(tensors));
          t.deepEqual([...(model.parameters().get('1.std') ?? [])], [0.75, 1.25, 3]);
        }
        const names = module.parameterSpecs.map((spec) => spec.name);
        t.deepEqual(names, ['0.weight', '0.bias', '1.mean', '1.std']);
        const values = names.map((name) => Float64Array.from(model.parameters().get(name) ?? []));
        const x = seeded(BATCH * 50, 11);
        const forward = ([weight, bias, mean, std]: Float64Array[]): Float64Array => {
          const conv = convNd(
            tensor(x, [BATCH, ...INPUT]),
            tensor(weight, [3, 2, 3, 3]),
            tensor(bias, [3]),
            {
              stride: [1, 1],
              dilation: [1, 1],
              pads: [
                [1, 1],
                [1, 1],
              ],
              groups: 1,
              padMode: 'zeros',
            },
          );
          return activateAll(normalize(conv, [...mean], [...std]).data, 'tanh');
        };
        const y = forward(values);
        const targets = seeded(y.length, 5);
        const step = await model.trainStep(x, targets, BATCH, { gradients: true });
        const upstream = y.map((v, idx) => (2 * (v - targets[idx])) / y.length);
        const expected = finiteDifferences(forward, values, upstream);
        for (const [idx, name] of names.entries()) {
          if (name === '1.mean' || name === '1.std') {
            t.false(step.gradients?.has(name) ?? false, `${name} is a buffer, not trained`);
            continue;
          }
          const error = relativeError(step.gradients?.get(name) ?? [], expected[idx]);
          t.true(error < 1e-3, `${name}: relative error ${error.toExponential(2)}`);
        }
      } finally {
        await model.dispose();
      }
    });
