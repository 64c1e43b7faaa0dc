// The weights an ONNX export carries: seeded ones are the generated module's `create({ seed })`
// values byte for byte (with the `train` section's `init`), every tensor has its spec's size (a
// transposed convolution's bias has `out` values, not `in`), and a bad safetensors file is a
// one-line complaint.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { exportWeights, onnxParamSpecs } from '../../compiler/export/onnx/index.js';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { compile, generatedModule } from './onnx-helpers.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

const examples = readdirSync('examples').filter((name) => name.endsWith('.cnn'));

test('every seeded tensor of every example has the size of its spec', (t) => {
  for (const name of examples) {
    const compiled = compile(`examples/${name}`, readFileSync(`examples/${name}`, 'utf8'));
    for (const model of compiled.program.models) {
      const weights = exportWeights(model, undefined, { seed: 1 });
      if (!weights.ok) return t.fail(weights.message);
      for (const spec of onnxParamSpecs(model)) {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        t.is(weights.weights.get(spec.name)?.length, size, `${model.name} ${spec.name}`);
      }
    }
  }
});

const NET = `model Up {
  input x: [4, 5, 5]
  conv(6, 3, pad=1)
  convtranspose(3, 2, stride=2)
  batchnorm
  flatten
  fc(7)
  output y
}
train Up {
  init = he
}`;

test('seeded export weights are the values create({ seed }) makes, init from the train section', async (t) => {
  const compiled = compile('up.cnn', NET);
  const model = compiled.program.models[0];
  const module = await generatedModule(compiled, model);
  const instance = await module.create({ seed: 9, backend: shared() });
  const weights = exportWeights(model, compiled.program.train[0], { seed: 9 });
  if (!weights.ok) return t.fail(weights.message);
  const expected = instance.parameters();
  t.deepEqual([...weights.weights.keys()].sort(), [...expected.keys()].sort());
  for (const [name, value] of expected) t.deepEqual(weights.weights.get(name), value, name);
  await instance.dispose();
});

test('a safetensors file of the wrong model is a one-line message', (t) => {
  const compiled = compile('up.cnn', NET);
  const result = exportWeights(compiled.program.models[0], undefined, {
    safetensors: new Uint8Array([1, 2, 3]),
  });
  t.false(result.ok);
  if (!result.ok) t.regex(result.message, /^safetensors: /);
});
