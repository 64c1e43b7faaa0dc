// The reproductions through generated modules: `input x: [4097]` → `linear(4096)` (a
// weight of more than 2^24 values) agrees with the float64 reference in every output, and a layer
// one sample of which cannot fit one exact gpu.js launch fails at `create`, naming the layer.
import test from 'ava';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { allclose } from '../../runtime/tensor.js';
import * as ref from '../helpers/reference.js';
import { buildSource, inputFor } from './build-helper.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

test.serial('input [4097] → linear(4096): every output matches float64', async (t) => {
  const source = 'model M {\n  input x: [4097]\n  linear(4096)\n  output y\n}\n';
  const { module } = await buildSource('large-linear', source);
  const model = await module.create({ backend: shared(), seed: 9 });
  try {
    const x = inputFor(4097, 3);
    const y = await model.forward(x, 1);
    const params = model.parameters();
    const expected = ref.linear(
      ref.tensor(x, [1, 4097]),
      ref.tensor(params.get('0.weight') as Float32Array, [4096, 4097]),
      ref.tensor(params.get('0.bias') as Float32Array, [4096]),
    );
    const report = allclose(y, expected.data, 1e-4, 1e-5);
    t.true(report.ok, report.message);
  } finally {
    await model.dispose();
  }
});

test.serial('a sample larger than 2^24 values fails at create, naming the layer', async (t) => {
  const source = 'model M {\n  input x: [1, 4100, 4100]\n  maxpool(2)\n  output y\n}\n';
  const { module } = await buildSource('large-sample', source);
  const error = await t.throwsAsync(module.create({ backend: shared(), seed: 1 }));
  t.regex(error?.message ?? '', /^maxpool: one sample has 16810000 values, more than the 16777216/);
});
