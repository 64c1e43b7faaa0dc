// The layer table test: for every layer and option combination, the generated module's output on
// webasm matches the float64 reference within 1e-4 relative error.
import test from 'ava';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { allclose } from '../../runtime/tensor.js';
import { tensor } from '../helpers/reference.js';
import { buildSource, inputFor } from './build-helper.js';
import { randomWeights } from './weights.js';
import { layerCases } from './layer-cases.js';

const BATCH = 2;
let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

for (const [idx, layerCase] of layerCases.entries()) {
  test.serial(`layer ${layerCase.name}`, async (t) => {
    const source = `model M {\n  input x: [${layerCase.input.join(', ')}]\n  ${layerCase.layer}\n  output y\n}\n`;
    const { module } = await buildSource(`layer-${idx}`, source);
    const model = await module.create({ backend: shared() });
    model.loadWeights(randomWeights(module, idx * 100));
    const perSample = layerCase.input.reduce((a, b) => a * b, 1);
    const x = inputFor(BATCH * perSample, idx + 7);
    const actual = await model.forward(x, BATCH);
    const values = model.parameters();
    const params = (name: string) => {
      const spec = module.parameterSpecs.find((s) => s.name === name);
      if (!spec) throw new Error(`no parameter ${name}`);
      return tensor(values.get(name) as Float32Array, [...spec.shape]);
    };
    const expected = layerCase.reference(tensor(x, [BATCH, ...layerCase.input]), params);
    t.is(
      actual.length,
      BATCH * module.outputShape.reduce((a, b) => a * b, 1),
      'predicted output length',
    );
    const report = allclose(actual, expected.data, 1e-4, 1e-5);
    t.true(report.ok, report.message);
  });
}
