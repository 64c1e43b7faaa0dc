// LeNet-5, ResNet-18 and MobileNet-v2 exported to PyTorch compute what the generated TypeScript
// module computes (gpu.js, webasm): the module is created with seeded weights, saves them with
// saveWeights(), and the exported nn.Module loads that file (strict) and runs the same input in
// eval mode. Outputs must agree within 1e-4 (absolute, or relative to the largest output).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { buildSource, inputFor } from '../emit/build-helper.js';
import {
  exportExample,
  OUT,
  runTorchChecks,
  torchMissing,
  type TorchJob,
  type TorchResult,
} from './pytorch-helpers.js';

const missing = torchMissing();
if (missing) console.log(`PyTorch output tests skipped: ${missing}`);
const maybe = missing ? test.skip : test;

/**
 * Every layer and form the examples do not use, against the generated module too: uneven `same`
 * padding (PaddedConv2d), a reflecting `pad`, depthwise with a multiplier, separable, a grouped
 * convolution with replicate padding, ceil-mode average pooling without the padded zeros,
 * LRN, a transposed convolution with output padding, adaptive pooling and every activation.
 */
const ZOO = `model Zoo {
  input image: [3, 16, 16]
  conv(8, 4, pad=same)
  softmax
  leaky_relu(alpha=0.2)
  pad([1, 2, 0, 1], mode=reflect)
  depthwise(3, multiplier=2, pad=1)
  elu
  separable(12, 3, pad=1, bias=false)
  batchnorm
  gelu
  conv(12, 3, pad=1, pad_mode=replicate, groups=3)
  silu
  avgpool(3, stride=2, pad=1, ceil=true, count_include_pad=false)
  lrn(size=3)
  convtranspose(6, 3, stride=2, pad=1, output_pad=1)
  hardswish
  maxpool(2)
  relu6
  conv(4, 1)
  tanh
  avgpool(adaptive=(2, 2))
  flatten
  linear(10)
  sigmoid
  linear(5, bias=false)
  output scores
}
`;

/** A 1-D network: uneven `same` padding, dilation, 1-D pooling and BatchNorm1d. */
const SEQ = `model Seq {
  input signal: [4, 32]
  conv1d(8, 4, pad=same)
  batchnorm
  relu
  conv1d(8, 3, pad=2, dilation=2)
  maxpool(3, stride=2, pad=1)
  elu
  avgpool(global)
  flatten
  linear(3)
  output scores
}
`;

const CASES: [string, string | undefined][] = [
  ['lenet5', undefined],
  ['resnet18', undefined],
  ['mobilenet_v2', undefined],
  ['zoo', ZOO],
  ['seq', SEQ],
];
const BATCH = 2;
const TOLERANCE = 1e-4;

const expected = new Map<string, Float32Array>();
let results = new Map<string, TorchResult>();

test.before(async () => {
  if (missing) return;
  const jobs: TorchJob[] = [];
  for (const [name, source] of CASES) {
    const file = source ? `${name}.cnn` : join('examples', `${name}.cnn`);
    const text = source ?? readFileSync(file, 'utf8');
    const [entry] = exportExample(file, 'outputs', text);
    const { module } = await buildSource(`pytorch-${name}`, text);
    // He initialisation keeps the activations' scale through 50 layers; PyTorch's default would
    // shrink them until every output is the last bias, which would test nothing.
    const model = await module.create({ seed: 11, init: 'he', mode: 'webasm' });
    try {
      const perSample = module.inputShape.reduce((acc, dim) => acc * dim, 1);
      const input = inputFor(BATCH * perSample, 5);
      // A second sample of another scale, so that averaging layers cannot make the two alike.
      for (let idx = perSample; idx < input.length; idx++) input[idx] *= 4;
      expected.set(entry.model.name, await model.forward(input, BATCH));
      const weights = join(entry.dir, `${name}.safetensors`);
      const inputPath = join(entry.dir, `${name}.input.f32`);
      writeFileSync(weights, model.saveWeights());
      writeFileSync(inputPath, new Uint8Array(input.buffer));
      jobs.push({
        name: entry.model.name,
        module: entry.modulePath,
        weights,
        input: inputPath,
        input_shape: [BATCH, ...module.inputShape],
      });
    } finally {
      await model.dispose();
    }
  }
  results = runTorchChecks(jobs, join(OUT, 'outputs-jobs.json'));
});

for (const name of ['LeNet5', 'ResNet18', 'MobileNetV2', 'Zoo', 'Seq']) {
  maybe(`${name}: the PyTorch export computes the generated module's output`, (t) => {
    const result = results.get(name);
    const reference = expected.get(name);
    if (!result || !reference) return t.fail(`no result for ${name}`);
    t.is(result.load, 'ok', 'strict load of the module’s saveWeights()');
    const output = result.output ?? [];
    t.is(output.length, reference.length, 'output size');
    const largest = reference.reduce((acc, value) => Math.max(acc, Math.abs(value)), 0);
    const diff = output.reduce(
      (acc, value, idx) => Math.max(acc, Math.abs(value - reference[idx])),
      0,
    );
    // The two samples must give different outputs, or the input never reached the output.
    const classes = reference.length / BATCH;
    const spread = reference
      .subarray(0, classes)
      .reduce((acc, value, idx) => Math.max(acc, Math.abs(value - reference[classes + idx])), 0);
    t.log(
      `max |torch − cnnc| = ${diff.toExponential(2)}, max |output| = ${largest.toPrecision(3)}, ` +
        `max |sample 0 − sample 1| = ${spread.toPrecision(3)}`,
    );
    t.true(spread > 100 * TOLERANCE * Math.max(1, largest), 'the input reaches the output');
    t.true(diff <= TOLERANCE * Math.max(1, largest), `difference ${diff} over ${TOLERANCE}`);
  });
}

/** Two inputs, `let` names, a concat of them and two outputs: a forward of its own, a dict. */
const TWO = `model Two {
  input left: [2, 8, 8]
  input right: [3, 8, 8]
  let a = left -> conv(4, 3, pad=1) -> relu
  let b = right -> conv(4, 1)
  let f = concat(a, b) -> conv(6, 3, pad=1)
  output features = f
  output logits = f -> avgpool(global) -> flatten -> linear(3)
}
`;

maybe('a model with two inputs and two outputs computes both outputs by name', async (t) => {
  const [entry] = exportExample('two.cnn', 'outputs', TWO);
  const { module } = await buildSource('pytorch-two', TWO);
  const model = await module.create({ seed: 3, init: 'he', mode: 'webasm' });
  let reference: Record<string, Float32Array>;
  const inputs: [string, number[]][] = [];
  try {
    const left = inputFor(BATCH * 2 * 64, 8);
    const right = inputFor(BATCH * 3 * 64, 9);
    reference = (await model.forward(left, right, BATCH)) as unknown as Record<
      string,
      Float32Array
    >;
    for (const [name, data, channels] of [
      ['left', left, 2],
      ['right', right, 3],
    ] as const) {
      const path = join(entry.dir, `two.${name}.f32`);
      writeFileSync(path, new Uint8Array(data.buffer));
      inputs.push([path, [BATCH, channels, 8, 8]]);
    }
    writeFileSync(join(entry.dir, 'two.safetensors'), model.saveWeights());
  } finally {
    await model.dispose();
  }
  const job = {
    name: 'Two',
    module: entry.modulePath,
    weights: join(entry.dir, 'two.safetensors'),
    input: null,
    input_shape: null,
    inputs,
  };
  const result = runTorchChecks([job], join(OUT, 'two-jobs.json')).get('Two');
  t.is(result?.load, 'ok');
  t.deepEqual(Object.keys(result?.outputs ?? {}), ['features', 'logits']);
  for (const name of ['features', 'logits']) {
    const torchValues = result?.outputs?.[name] ?? [];
    const expectedValues = reference[name];
    t.is(torchValues.length, expectedValues.length, name);
    const diff = torchValues.reduce(
      (acc, value, idx) => Math.max(acc, Math.abs(value - expectedValues[idx])),
      0,
    );
    t.log(`${name}: max |torch − cnnc| = ${diff.toExponential(2)}`);
    t.true(diff <= TOLERANCE, `${name}: difference ${diff}`);
  }
});
