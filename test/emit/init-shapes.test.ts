// Every layer's default initialisation has the shapes the generated module declares: for each
// case of the layer table, `create({ seed })` gives every tensor of `parameterSpecs` exactly its
// shape's number of values (a transposed convolution's bias has `out` values, not `in`), and
// `saveWeights()` writes them. Then a small U-Net-like model whose transposed convolutions change
// the channel count trains a step and saves its weights.
import test from 'ava';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { readSafetensors } from '../../runtime/safetensors.js';
import { buildTrainable } from '../train/train-helpers.js';
import { buildSource, inputFor } from './build-helper.js';
import { layerCases } from './layer-cases.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

const size = (shape: readonly number[]) => shape.reduce((acc, dim) => acc * dim, 1);

for (const [idx, layerCase] of layerCases.entries()) {
  test.serial(`initialised shapes: ${layerCase.name}`, async (t) => {
    const source = `model M {\n  input x: [${layerCase.input.join(', ')}]\n  ${layerCase.layer}\n  output y\n}\n`;
    const { module } = await buildSource(`init-shapes-${idx}`, source);
    const model = await module.create({ backend: shared(), seed: 11 });
    const values = model.parameters();
    t.deepEqual(
      [...values.keys()].sort(),
      module.parameterSpecs.map((spec) => spec.name).sort(),
      'every declared tensor and no other',
    );
    for (const spec of module.parameterSpecs) {
      const value = values.get(spec.name);
      t.truthy(value, `${spec.name} is initialised`);
      t.is(value?.length, size(spec.shape), `${spec.name} has the values of [${spec.shape}]`);
    }
    const saved = readSafetensors(model.saveWeights());
    for (const spec of module.parameterSpecs) {
      t.deepEqual([...saved.get(spec.name).shape], [...spec.shape], `${spec.name} as saved`);
    }
  });
}

const UNET = `
model UNet {
  input x: [2, 8, 8]
  conv(4, 3, pad=1)
  relu
  maxpool(2)
  conv(8, 3, pad=1)
  relu
  convtranspose(4, 2, stride=2)
  relu
  convtranspose(3, 1)
  output y
}

train UNet {
  loss = mse
  optimizer = sgd(lr=0.01, momentum=0.9)
  batch = 2
  seed = 1
}
`;

test.serial('a U-Net-like model with convtranspose in != out trains and saves', async (t) => {
  const module = await buildTrainable('unet-convtranspose', 'unet.cnn', UNET);
  const model = await module.create({ backend: shared(), seed: 4 });
  try {
    const batch = 2;
    const x = inputFor(batch * 2 * 8 * 8, 3);
    const target = inputFor(batch * 3 * 8 * 8, 5);
    const before = new Map(
      [...model.parameters()].map(([name, v]) => [name, Float32Array.from(v)]),
    );
    const step = await model.trainStep(x, target, batch);
    t.true(Number.isFinite(step.loss), `loss ${step.loss}`);
    const after = model.parameters();
    for (const [name, value] of before) {
      t.is(after.get(name)?.length, value.length, `${name} keeps its length`);
    }
    const bias = after.get('7.bias');
    t.is(bias?.length, 3, 'the last convtranspose bias has out = 3 values');
    t.notDeepEqual(bias, before.get('7.bias'), 'and was trained');
    const saved = readSafetensors(model.saveWeights());
    t.deepEqual([...saved.get('7.bias').shape], [3]);
    t.deepEqual([...saved.get('5.bias').shape], [4]);
  } finally {
    await model.dispose();
  }
});
