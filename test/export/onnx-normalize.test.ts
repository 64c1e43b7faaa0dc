// `normalize` in the ONNX export: Sub then Div by initializers `<layer>.mean`/`<layer>.std` of
// shape [C, 1, 1] ([C] after flatten), and onnxruntime-node gives the generated module's outputs
// with given and with loaded (learnt) buffers.
import test from 'ava';
import { decodeModel } from '../../compiler/export/onnx/proto.js';
import { createBackend, type Backend } from '../../runtime/backend.js';
import {
  compile,
  generatedModule,
  inputsFor,
  onnxBytes,
  relativeError,
  runModule,
  runOnnx,
  trainedWeights,
} from './onnx-helpers.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

const SOURCE = `model Norm {
  input x: [3, 6, 6]
  normalize
  conv(4, 3)
  normalize(mean=[0.1, 0.2, -0.3, 0.4], std=2)
  relu
  flatten
  fc(5)
  normalize(mean=0.5, std=[1, 2, 3, 4, 5])
  output y
}`;

test.serial('normalize: onnxruntime gives the generated module outputs', async (t) => {
  const compiled = compile('norm.cnn', SOURCE);
  const model = compiled.program.models[0];
  const module = await generatedModule(compiled, model);
  const weights = trainedWeights(module, 5);
  for (const source of [{ safetensors: weights }, { seed: 0 }]) {
    const bytes = onnxBytes(compiled, model, source);
    for (const batch of [1, 3]) {
      const inputs = inputsFor(model, batch, 3);
      const options =
        'seed' in source ? { seed: 0, backend: shared() } : { weights, backend: shared() };
      const expected = await runModule(module, model, options, inputs, batch);
      const actual = await runOnnx(bytes, model, inputs, batch);
      const error = relativeError(actual.y, expected.y);
      t.true(error <= 1e-4, `batch ${batch} ${'seed' in source ? 'seeded' : 'loaded'}: ${error}`);
    }
  }
});

test('normalize is Sub and Div with [C, 1, 1] initializers named as in the weights', (t) => {
  const compiled = compile('norm.cnn', SOURCE);
  const graph = decodeModel(onnxBytes(compiled, compiled.program.models[0], { seed: 0 })).graph;
  if (!graph) return t.fail('no graph');
  const ops = (graph.node ?? []).map((n) => n.opType);
  t.is(ops.filter((op) => op === 'Sub').length, 3);
  t.is(ops.filter((op) => op === 'Div').length, 3);
  const dims = (name: string) =>
    (graph.initializer ?? []).find((init) => init.name === name)?.dims?.map(Number);
  t.deepEqual(dims('0.mean'), [3, 1, 1]);
  t.deepEqual(dims('0.std'), [3, 1, 1]);
  t.deepEqual(dims('2.std'), [4, 1, 1]);
  t.deepEqual(dims('6.mean'), [5]);
  const raw = (graph.initializer ?? []).find((init) => init.name === '2.mean')?.rawData;
  const data = raw ? new Float32Array(Uint8Array.from(raw).buffer) : new Float32Array();
  t.deepEqual([...data], [...Float32Array.from([0.1, 0.2, -0.3, 0.4])]);
});
