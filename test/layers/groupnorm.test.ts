// `groupnorm`: the shape rule and its parameters, the gpu.js kernels against PyTorch's own
// nn.GroupNorm (fixture made by scripts/torch/upsample_groupnorm.py) and against the float64
// reference, the backward against finite differences, the generated training step, the ONNX
// export (an exact opset-17 decomposition) in onnxruntime and the PyTorch export.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { f32le, leBytes, npyBytes } from '../train/fixtures.js';
import { groupnormGrad } from '../../runtime/gradients/groupnorm.grad.js';
import { groupnorm as groupnormKernel } from '../../runtime/kernels/groupnorm.js';
import * as reference from '../helpers/reference.js';
import { randomTensor, sharedBackend } from '../runtime/support.js';
import { assertGradients } from '../gradients/support.js';
import {
  maxRelative,
  onnxError,
  pytorchAgreement,
  shapeOf,
  torchCases,
  torchProblem,
  trainStepGradientError,
} from './layer-checks.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

test('groupnorm keeps the shape and has 2·C parameters (none with affine=false)', (t) => {
  t.deepEqual(shapeOf([8, 4, 4], 'groupnorm(4)').shape, [8, 4, 4]);
  t.is(shapeOf([8, 4, 4], 'groupnorm(4)').params, 16);
  t.is(shapeOf([8, 4, 4], 'groupnorm(2, affine=false)').params, 0);
  t.deepEqual(shapeOf([6], 'groupnorm(3)').shape, [6]);
});

test('groupnorm refuses groups that do not divide the channels (CNN3013)', (t) => {
  const result = shapeOf([8, 4, 4], 'groupnorm(3)');
  t.deepEqual(result.codes, ['CNN3013']);
  t.regex(result.diagnostics[0].message, /groups=3 does not divide the 8 input channels/);
  t.deepEqual(shapeOf([8, 4, 4], 'groupnorm(2, eps=0)').codes.length, 1);
});

const cases = torchCases('upsample-groupnorm.json', 'groupnorm');

/** `groups`, `eps` and `affine` of a fixture's layer call, e.g. `groupnorm(3, eps=0.1, affine=false)`. */
function optionsOf(layer: string): { groups: number; eps: number; affine: boolean } {
  const groups = Number(/^groupnorm\((\d+)/.exec(layer)?.[1]);
  const eps = Number(/eps=([\d.e-]+)/.exec(layer)?.[1] ?? 1e-5);
  return { groups, eps, affine: !layer.includes('affine=false') };
}

test('the fixture holds PyTorch cases with and without affine, and a 1-D input', (t) => {
  t.true(cases.length >= 4);
  t.true(cases.some((c) => c.layer.includes('affine=false')));
  t.true(cases.some((c) => c.input_shape.length === 2));
});

for (const fixture of cases) {
  const { groups, eps, affine } = optionsOf(fixture.layer);
  const [batch, channels] = fixture.input_shape;
  const spatial = fixture.input_shape.slice(2).reduce((a, b) => a * b, 1);
  const desc = { channels, spatial, groups, eps };
  const gamma = affine ? fixture.params.weight : null;
  const beta = affine ? fixture.params.bias : null;

  test(`${fixture.layer}: the float64 reference is PyTorch's nn.GroupNorm`, (t) => {
    const x = reference.tensor(fixture.input, fixture.input_shape);
    const y = reference.groupnorm(x, gamma, beta, groups, eps);
    t.true(maxRelative(y.data, fixture.output) < 1e-12);
  });

  test(`${fixture.layer}: the gpu.js kernels compute PyTorch's output and gradients`, async (t) => {
    const f32 = (values: number[] | null) => (values ? Float32Array.from(values) : null);
    const x = Float32Array.from(fixture.input);
    const y = await groupnormKernel(backend.get(), desc)(x, f32(gamma), f32(beta), batch);
    const forwardError = maxRelative(y, fixture.output);
    t.true(forwardError < 1e-5, `forward: ${forwardError}`);
    const saved = { input: x, weight: f32(gamma), bias: f32(beta) };
    const grads = await groupnormGrad(backend.get(), desc)(
      Float32Array.from(fixture.upstream),
      saved,
      batch,
    );
    const inputError = maxRelative(grads.input, fixture.grad_input);
    t.true(inputError < 1e-4, `input gradient: ${inputError}`);
    if (!affine) return t.is(grads.weight, null);
    t.true(maxRelative(grads.weight ?? [], fixture.grad_params.weight) < 1e-4, 'weight gradient');
    t.true(maxRelative(grads.bias ?? [], fixture.grad_params.bias) < 1e-4, 'bias gradient');
  });

  test(`${fixture.layer}: the backward matches finite differences of the reference`, async (t) => {
    const x = randomTensor(`${fixture.layer} x`, fixture.input.length);
    const g = randomTensor(`${fixture.layer} gamma`, channels).map((v) => 1 + v / 2);
    const b = randomTensor(`${fixture.layer} beta`, channels);
    const grad = groupnormGrad(backend.get(), desc);
    const shape = fixture.input_shape;
    await assertGradients(t, fixture.layer, {
      names: affine ? ['input', 'weight', 'bias'] : ['input'],
      inputs: affine ? [x, g, b] : [x],
      reference: ([data, scale, shift]) =>
        reference.groupnorm(
          reference.tensor(data, shape),
          affine ? [...scale] : null,
          affine ? [...shift] : null,
          groups,
          eps,
        ).data,
      backward: async (gradOutput) => {
        const result = await grad(
          gradOutput,
          { input: x, weight: affine ? g : null, bias: null },
          batch,
        );
        return affine ? [result.input, result.weight, result.bias] : [result.input];
      },
    });
  });
}

test('the check above fails for the wrong grouping (batch-norm-like statistics)', (t) => {
  const [fixture] = cases;
  const { groups, eps } = optionsOf(fixture.layer);
  const x = reference.tensor(fixture.input, fixture.input_shape);
  const [scale, shift] = [fixture.params.weight, fixture.params.bias];
  const wrong = reference.groupnorm(x, scale, shift, groups * 2, eps);
  t.true(maxRelative(wrong.data, fixture.output) > 1e-3);
});

const MODEL = `model Norm {
  input x: [4, 5, 6]
  conv(8, 3, pad=1)
  groupnorm(4)
  relu
  groupnorm(2, eps=0.01, affine=false)
  upsample(2, mode=bilinear)
  output y
}
`;

test('the ONNX export (InstanceNormalization decomposition) computes the module', async (t) => {
  t.true((await onnxError('groupnorm', MODEL, backend.get())) <= 1e-4);
});

(torchProblem ? test.skip : test)(
  'the PyTorch export (nn.GroupNorm, weight and bias) computes the generated module',
  async (t) => {
    const result = await pytorchAgreement('groupnorm', MODEL);
    t.is(result.load, 'ok');
    t.true(result.error <= 1e-4, `relative error ${result.error}`);
  },
);

test('the generated trainStep through groupnorm and upsample matches central differences', async (t) => {
  const source = `model Small {
  input x: [2, 4, 4]
  conv(4, 3, pad=1)
  groupnorm(2)
  relu
  upsample(2, mode=bilinear)
  groupnorm(1, affine=false)
  upsample(2)
  avgpool(4)
  flatten
  linear(4)
  output y
}

train Small {
  loss = cross_entropy
  optimizer = sgd(lr=0)
  batch = 4
  seed = 3
}
`;
  const error = await trainStepGradientError('groupnorm-upsample', source);
  t.log(`worst relative error ${error.toExponential(2)}`);
  t.true(error < 5e-2);
});

test('cnnc train trains groupnorm and upsample on the wasm target', (t) => {
  const root = 'build/test-layers/groupnorm-train';
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'data'), { recursive: true });
  const pixels = Array.from(randomTensor('train pixels', 32 * 64));
  writeFileSync(join(root, 'data', 'x.npy'), npyBytes('<f4', [32, 8, 8], f32le(pixels)));
  const labels = Array.from({ length: 32 }, (_, idx) => idx % 4);
  const i32 = leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true));
  writeFileSync(join(root, 'data', 'y.npy'), npyBytes('<i4', [32], i32));
  const file = join(root, 'small.cnn');
  writeFileSync(
    file,
    'model Small {\n  input x: [1, 8, 8]\n  conv(4, 3, pad=1)\n  groupnorm(2)\n  relu\n' +
      '  upsample(2)\n  avgpool(4)\n  flatten\n  fc(4)\n  output y\n}\n',
  );
  const cli = [
    '--import',
    'tsx',
    'compiler/cli/run.ts',
    'train',
    file,
    '--data',
    join(root, 'data'),
  ];
  const run = (...args: string[]) =>
    spawnSync('node', [...cli, '--epochs', '1', '--batch', '8', ...args], {
      encoding: 'utf8',
      timeout: 120_000,
    });
  // `--target auto` picks wasm (no fallback to gpu.js), and `--target wasm` trains.
  const auto = run('--out', join(root, 'run'));
  t.is(auto.status, 0, auto.stderr);
  t.notRegex(auto.stderr, /training on gpu\.js/);
  const forced = run('--target', 'wasm', '--out', join(root, 'run'));
  t.is(forced.status, 0, forced.stderr);
  t.notRegex(forced.stderr, /cannot train/);
});
