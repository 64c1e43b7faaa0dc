// Every layer mapping of the ONNX exporter (docs/export.md), one small model per group of layers,
// run in onnxruntime-node against the generated module (gpu.js, webasm) at batch 1 and 3 with
// loaded weights; and the layers ONNX cannot express, each reported as CNN4010 at the layer.
import test from 'ava';
import { exportOnnx, exportWeights } from '../../compiler/export/onnx/index.js';
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

const CASES: Record<string, string> = {
  convolutions: `model Convs {
  input x: [4, 11, 13]
  conv(6, 3, stride=2, pad=same, dilation=2, groups=2)
  conv(6, (3, 2), pad=[2, 1, 0, 1], pad_mode=reflect, bias=false)
  conv(8, 3, pad=1, pad_mode=replicate)
  depthwise(3, multiplier=2, stride=2, pad=1)
  separable(6, 3, pad=1, pad_mode=reflect)
  convtranspose(6, 3, stride=2, pad=1, output_pad=1, groups=2)
  convtranspose(3, 2, stride=2, bias=false)
  output y
}`,
  conv1d: `model Seq {
  input x: [3, 17]
  conv1d(5, 4, stride=2, pad=same, dilation=2)
  batchnorm(affine=false)
  maxpool(3, stride=2, pad=1, ceil=true)
  avgpool(2, ceil=true)
  output y
}`,
  conv3d: `model Vol {
  input x: [2, 5, 6, 7]
  conv3d(3, 3, stride=(1, 2, 2), pad=(1, 0, 1))
  relu
  avgpool(global)
  flatten
  output y
}`,
  pools: `model Pools {
  input x: [3, 13, 12]
  let a = maxpool(3, stride=2, pad=1, ceil=true)
  let b = x -> avgpool(3, stride=2, pad=1, ceil=true)
  let c = x -> avgpool(3, stride=2, pad=1, ceil=true, count_include_pad=false)
  let d = x -> lppool(2, p=2)
  let e = x -> avgpool(adaptive=(13, 4))
  let f = x -> maxpool(adaptive=(1, 3))
  output pa = a
  output pb = b
  output pc = c
  output pd = d
  output pe = e
  output pf = f
  output pg = x -> maxpool(global)
}`,
  normalize: `model Normalized {
  input x: [3, 4, 5]
  normalize(mean=[0.1, -0.2, 0.3], std=[0.5, 2, 1.5])
  conv(4, 3)
  flatten
  normalize
  output y
}`,
  norms: `model Norms {
  input x: [8, 6, 6]
  batchnorm
  lrn(size=3, alpha=0.01, beta=0.6, k=1.5)
  lrn
  dropout(0.3)
  relu
  identity
  pad([1, 2, 0, 3])
  pad(2, mode=reflect)
  pad([0, 1, 2, 0], mode=replicate)
  softmax
  output y
}`,
  activations: `model Acts {
  input x: [4, 5, 5]
  conv(8, 3, pad=1)
  let a = relu6
  let b = x -> conv(8, 3, pad=1) -> gelu
  let c = x -> conv(8, 3, pad=1) -> silu
  let d = x -> conv(8, 3, pad=1) -> hardswish
  let e = x -> conv(8, 3, pad=1) -> leaky_relu(0.2)
  let f = x -> conv(8, 3, pad=1) -> elu(0.5)
  let g = x -> conv(8, 3, pad=1) -> sigmoid
  let h = x -> conv(8, 3, pad=1) -> tanh
  add(a, b, c)
  output sum
  output joined = concat(sum, d, e, f) -> relu
  output pair = add(g, h)
}`,
  dense: `model Dense {
  input x: [3, 4, 4]
  flatten
  fc(20)
  batchnorm
  relu
  dropout
  linear(7, bias=false)
  output logits
  output probs = logits -> softmax
}`,
  passthrough: `model Pass {
  input x: [3, 4]
  dropout
  output y
  output z = x -> relu
  output w = z
}`,
  residual: `block Unit(c) {
  residual {
    conv(c, 3, pad=1, bias=false)
    batchnorm
    relu
    conv(c, 3, pad=1, bias=false)
    batchnorm
  }
  relu
}
model Res {
  input image: [3, 9, 9]
  conv(8, 3, pad=1)
  Unit(8)
  Unit(8)
  dropout
  output features
  avgpool(global)
  flatten
  output pooled
}`,
};

for (const [name, source] of Object.entries(CASES)) {
  test.serial(`${name}: onnxruntime gives the generated module's outputs`, async (t) => {
    const compiled = compile(`${name}.cnn`, source);
    const model = compiled.program.models[0];
    const module = await generatedModule(compiled, model);
    const weights = trainedWeights(module, 7);
    const bytes = onnxBytes(compiled, model, { safetensors: weights });
    for (const batch of [1, 3]) {
      const inputs = inputsFor(model, batch, 3);
      const options = { weights, backend: shared() };
      const expected = await runModule(module, model, options, inputs, batch);
      const actual = await runOnnx(bytes, model, inputs, batch);
      for (const output of model.outputs) {
        const error = relativeError(actual[output.name], expected[output.name]);
        t.true(error <= 1e-4, `batch ${batch} ${output.name}: ${error}`);
      }
    }
  });
}

test('the ONNX graph has opset 17, IR 8, a symbolic batch, the .cnn names and BatchNorm nodes', (t) => {
  const compiled = compile('res.cnn', CASES.residual);
  const model = decodeModel(onnxBytes(compiled, compiled.program.models[0], { seed: 0 }));
  t.is(Number(model.irVersion), 8);
  t.deepEqual(
    model.opsetImport.map((o) => [o.domain, Number(o.version)]),
    [['', 17]],
  );
  const graph = model.graph;
  if (!graph) return t.fail('no graph');
  const [input, output, node, initializer] = [
    graph.input ?? [],
    graph.output ?? [],
    graph.node ?? [],
    graph.initializer ?? [],
  ];
  t.deepEqual(
    input.map((v) => v.name),
    ['image'],
  );
  t.deepEqual(
    output.map((v) => v.name),
    ['features', 'pooled'],
  );
  const dims = input[0].type?.tensorType?.shape?.dim ?? [];
  t.is(dims[0].dimParam, 'batch');
  t.deepEqual(
    dims.slice(1).map((d) => Number(d.dimValue)),
    [3, 9, 9],
  );
  const ops = node.map((n) => n.opType);
  t.is(ops.filter((op) => op === 'BatchNormalization').length, 4);
  t.false(ops.includes('Dropout'));
  // `features` names the dropped dropout's value: the last Relu writes it, no copy is needed.
  t.false(ops.includes('Identity'));
  t.deepEqual(node.find((n) => n.output?.[0] === 'features')?.opType, 'Relu');
  t.true(initializer.some((init) => init.name === '1.0.1.running_var'));
});

const BAD: [string, string, RegExp][] = [
  ['conv(4, 3, pad=1, pad_mode=circular)', '[2, 6, 6]', /no `circular` padding/],
  ['pad(1, mode=circular)', '[2, 6, 6]', /no `circular` padding/],
  ['avgpool(adaptive=(4, 4))', '[2, 6, 6]', /6 does not divide into 4 equal windows/],
  ['lrn(size=4)', '[6, 3, 3]', /even window of 4 channels/],
  ['lppool(2, p=3)', '[2, 6, 6]', /equals x\^3 only for even integers/],
  ['lppool(3, stride=2, ceil=true)', '[2, 6, 6]', /no `ceil_mode`/],
];

for (const [layer, shape, message] of BAD) {
  test(`\`${layer}\` is CNN4010 at the layer`, (t) => {
    const source = `model Bad {\n  input x: ${shape}\n  relu\n  ${layer}\n  output y\n}\n`;
    const compiled = compile('bad.cnn', source);
    const model = compiled.program.models[0];
    const weights = exportWeights(model, undefined, { seed: 0 });
    if (!weights.ok) return t.fail(weights.message);
    const result = exportOnnx(model, weights.weights, { trace: () => '', producerVersion: 'test' });
    t.is(result.bytes, undefined);
    t.is(result.diagnostics.length, 1);
    const [d] = result.diagnostics;
    t.is(d.code, 'CNN4010');
    t.regex(d.message, message);
    t.is(source.slice(d.span.start, d.span.end), layer);
  });
}

test('a layer the exporter has no mapping for is CNN4010 at the layer, with no unrelated hint', (t) => {
  const source = `model Odd {\n  input x: [2, 6, 6]\n  relu\n  tanh\n  output y\n}\n`;
  const compiled = compile('odd.cnn', source);
  const model = compiled.program.models[0];
  // An op no cnnc version maps (a new layer before its ONNX mapping looks like this).
  const node = model.nodes.find((other) => other.op === 'tanh');
  if (!node) return t.fail('no tanh node');
  (node as { op: string }).op = 'not_a_layer';
  const result = exportOnnx(model, new Map(), { trace: () => '', producerVersion: 'test' });
  t.is(result.bytes, undefined);
  t.is(result.diagnostics.length, 1);
  const [d] = result.diagnostics;
  t.is(d.code, 'CNN4010');
  t.regex(d.message, /`not_a_layer` cannot be exported to ONNX: the exporter has no mapping/);
  t.is(source.slice(d.span.start, d.span.end), 'tanh');
  t.deepEqual(d.hints, []);
  t.deepEqual(d.notes, ['docs/export.md lists the layers the ONNX export maps']);
});
