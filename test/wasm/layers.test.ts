// The layer table on the wasm target: every case of test/emit/layer-cases.ts (the table the gpu.js
// target passes) built with `--target wasm` against the float64 reference, within 1e-4 relative.
import test from 'ava';
import { allclose } from '../../runtime/tensor.js';
import { tensor } from '../helpers/reference.js';
import { inputFor } from '../emit/build-helper.js';
import { layerCases } from '../emit/layer-cases.js';
import { randomWeights } from '../emit/weights.js';
import { buildWasm } from './build-wasm.js';
import { lookupLayer } from '../../compiler/layers/registry.js';

const BATCH = 3;

for (const [idx, layerCase] of layerCases.entries()) {
  const source = `model M {\n  input x: [${layerCase.input.join(', ')}]\n  ${layerCase.layer}\n  output y\n}\n`;
  const declared = lookupLayer(/^\w+/.exec(layerCase.layer)?.[0] ?? '')?.unsupportedOn?.wasm;
  if (declared) {
    // A layer whose spec declares it has no wasm kernel: the build is CNN4002 with that reason.
    test(`wasm layer ${layerCase.name} is CNN4002 as its spec declares`, async (t) => {
      const error = await t.throwsAsync(buildWasm(`layer-${idx}`, source));
      t.regex(error?.message ?? '', /cannot be built for the wasm target/);
      t.true(error?.message.includes(declared), error?.message);
    });
    continue;
  }
  test(`wasm layer ${layerCase.name}`, async (t) => {
    const { module } = await buildWasm(`layer-${idx}`, source);
    const model = await module.create({ threads: 1 });
    try {
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
      t.is(actual.length, BATCH * module.outputShape.reduce((a, b) => a * b, 1));
      const report = allclose(actual, expected.data, 1e-4, 1e-5);
      t.true(report.ok, report.message);
    } finally {
      await model.dispose();
    }
  });
}
