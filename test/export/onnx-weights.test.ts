// The weights an ONNX export carries: seeded ones are the generated module's `create({ seed })`
// values byte for byte (with the `train` section's `init`), every tensor has its spec's size (a
// transposed convolution's bias has `out` values, not `in`), a bad safetensors file is a
// one-line complaint, and the encoder holds the weights once (no copy per initializer).
import test from 'ava';
import { exportOnnx, exportWeights, onnxParamSpecs } from '../../compiler/export/onnx/index.js';
import { decodeModel, floatTensor, int64Tensor } from '../../compiler/export/onnx/proto.js';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { compile, generatedModule } from './onnx-helpers.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

/** Every layer with parameters, with input and output channels that differ. */
const LAYERS = `model AllParams {
  input x: [4, 8, 8]
  conv(6, 3, pad=1, groups=2)
  depthwise(3, multiplier=2, pad=1)
  separable(10, 3, pad=1)
  convtranspose(6, 2, stride=2, groups=2)
  batchnorm
  batchnorm(affine=false)
  flatten
  fc(7)
  linear(5, bias=false)
  output y
}`;

test('every seeded tensor has the size of its spec, for every layer with parameters', (t) => {
  const compiled = compile('all-params.cnn', LAYERS);
  const model = compiled.program.models[0];
  for (const seed of [0, 1]) {
    const weights = exportWeights(model, undefined, { seed });
    if (!weights.ok) return t.fail(weights.message);
    for (const spec of onnxParamSpecs(model)) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      t.is(weights.weights.get(spec.name)?.length, size, `${spec.name}`);
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

test('an initializer views the weight it encodes (no second copy of the weights), little-endian', (t) => {
  const data = Float32Array.of(1.5, -2, 3.25, 0.1);
  const tensor = floatTensor('w', [2, 2], data.subarray(1));
  t.is(tensor.rawData?.buffer, data.buffer, 'raw_data is a view');
  t.is(tensor.rawData?.byteOffset, 4);
  const view = new DataView(data.buffer);
  t.deepEqual(
    [0, 1, 2].map((idx) => view.getFloat32(4 + idx * 4, true)),
    [-2, 3.25, Math.fround(0.1)],
  );
  const pads = int64Tensor('pads', [1, -2]);
  const ints = new DataView((pads.rawData as Uint8Array).buffer);
  t.deepEqual([ints.getBigInt64(0, true), ints.getBigInt64(8, true)], [1n, -2n]);
});

test('the exported bytes carry every weight as it was given', (t) => {
  const compiled = compile('up.cnn', NET);
  const model = compiled.program.models[0];
  const weights = exportWeights(model, undefined, { seed: 4 });
  if (!weights.ok) return t.fail(weights.message);
  const result = exportOnnx(model, weights.weights, { trace: () => '', producerVersion: 'test' });
  if (!result.bytes) return t.fail(result.diagnostics.map((d) => d.message).join('; '));
  const initializers = decodeModel(result.bytes).graph?.initializer ?? [];
  for (const [name, value] of weights.weights) {
    const raw = initializers.find((tensor) => tensor.name === name)?.rawData;
    if (!raw) return t.fail(`no initializer ${name}`);
    const copy = Uint8Array.from(raw);
    t.deepEqual(new Float32Array(copy.buffer), value, name);
  }
});
