// `normalize`'s buffers in the weights, on both targets: given values are the initial buffers
// (no weights file needed) and the forward applies them, per channel, as the float64 reference
// does; `saveWeights` writes them as `<layer>.mean`/`<layer>.std` and `loadWeights` of another
// model brings back the same outputs, bit for bit.
import test from 'ava';
import { readSafetensors, writeSafetensors } from '../../runtime/safetensors.js';
import { allclose } from '../../runtime/tensor.js';
import { normalize, tensor } from '../helpers/reference.js';
import { buildWasm } from '../wasm/build-wasm.js';
import { buildSource, inputFor } from './build-helper.js';

const SOURCE = `model M {
  input x: [3, 4, 4]
  normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
  conv(2, 3)
  normalize
  output y
}
`;

const BATCH = 2;
/** Builds `source` for `target` and creates its model (with `weights`, when given). */
async function create(target: 'gpujs' | 'wasm', source: string, weights?: Uint8Array) {
  const loaded = weights ? { weights } : {};
  if (target === 'wasm') {
    const { module } = await buildWasm(`normalize-${source.length}`, source);
    return { module, model: await module.create({ threads: 1, ...loaded }) };
  }
  const { module } = await buildSource(`normalize-${source.length}`, source);
  return { module, model: await module.create({ mode: 'cpu', ...loaded }) };
}

for (const target of ['gpujs', 'wasm'] as const) {
  test(`${target}: given mean and std are the initial buffers; learnt ones start as the identity`, async (t) => {
    const { module, model } = await create(target, SOURCE);
    try {
      t.deepEqual(
        module.parameterSpecs.map((spec) => `${spec.name} [${spec.shape.join(', ')}]`),
        [
          '0.mean [3]',
          '0.std [3]',
          '1.weight [2, 3, 3, 3]',
          '1.bias [2]',
          '2.mean [2]',
          '2.std [2]',
        ],
      );
      const params = model.parameters();
      t.deepEqual([...(params.get('0.mean') ?? [])], [...Float32Array.from([0.485, 0.456, 0.406])]);
      t.deepEqual([...(params.get('0.std') ?? [])], [...Float32Array.from([0.229, 0.224, 0.225])]);
      // Not yet learnt: the identity.
      t.deepEqual([...(params.get('2.mean') ?? [])], [0, 0]);
      t.deepEqual([...(params.get('2.std') ?? [])], [1, 1]);
    } finally {
      await model.dispose();
    }
  });

  test(`${target}: the forward of a given normalize equals the float64 reference`, async (t) => {
    const source = `model M {
  input x: [3, 4, 4]
  normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
  output y
}
`;
    const { model } = await create(target, source);
    try {
      const x = inputFor(BATCH * 48, 5);
      const expected = normalize(
        tensor(x, [BATCH, 3, 4, 4]),
        [0.485, 0.456, 0.406],
        [0.229, 0.224, 0.225],
      );
      const report = allclose(await model.forward(x, BATCH), expected.data, 1e-5, 1e-6);
      t.true(report.ok, report.message);
    } finally {
      await model.dispose();
    }
  });

  test(`${target}: saveWeights writes the buffers and loadWeights brings back the same outputs`, async (t) => {
    const first = await create(target, SOURCE);
    const x = inputFor(BATCH * 48, 3);
    try {
      // Learnt values, as cnnc train sets them, then saved.
      const tensors = new Map(
        first.module.parameterSpecs.map((spec) => [
          spec.name,
          {
            shape: [...spec.shape],
            data: Float32Array.from(first.model.parameters().get(spec.name) ?? []),
          },
        ]),
      );
      tensors.set('2.mean', { shape: [2], data: Float32Array.from([0.5, -0.25]) });
      tensors.set('2.std', { shape: [2], data: Float32Array.from([2, 0.5]) });
      first.model.loadWeights(writeSafetensors([...tensors]));
      const saved = first.model.saveWeights();
      const file = readSafetensors(saved);
      t.deepEqual([...file.get('2.mean').data], [0.5, -0.25]);
      t.deepEqual([...file.get('2.std').data], [2, 0.5]);
      t.deepEqual([...file.get('0.std').shape], [3]);
      const before = await first.model.forward(x, BATCH);
      const second = await create(target, SOURCE, saved);
      try {
        t.deepEqual([...(await second.model.forward(x, BATCH))], [...before]);
      } finally {
        await second.model.dispose();
      }
    } finally {
      await first.model.dispose();
    }
  });
}
