// `upsample`: the shape rule, the gpu.js kernels against PyTorch's own nn.Upsample (fixture made by
// scripts/torch/upsample_groupnorm.py) and against the float64 reference, the backward against
// finite differences, the ONNX `Resize` in onnxruntime and the PyTorch export.
import test from 'ava';
import { upsampleGrad } from '../../runtime/gradients/upsample.grad.js';
import { upsample as upsampleKernel } from '../../runtime/kernels/upsample.js';
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
} from './layer-checks.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

test('upsample scales height and width, with no parameters', (t) => {
  t.deepEqual(shapeOf([3, 4, 5], 'upsample(2)').shape, [3, 8, 10]);
  t.deepEqual(shapeOf([3, 4, 5], 'upsample((2, 3), mode=bilinear)').shape, [3, 8, 15]);
  t.is(shapeOf([3, 4, 5], 'upsample(2)').params, 0);
});

test('upsample refuses a non-2-D input and a scale of the wrong arity', (t) => {
  t.deepEqual(shapeOf([6], 'upsample(2)').codes, ['CNN3011']);
  t.deepEqual(shapeOf([3, 4, 5], 'upsample((2, 2, 2))').codes, ['CNN3012']);
  t.deepEqual(shapeOf([3, 4, 5], 'upsample(0)').codes.length, 1);
  t.deepEqual(shapeOf([3, 4, 5], 'upsample(2, mode=bicubic)').codes.length, 1);
});

interface Options {
  scale: [number, number];
  mode: 'nearest' | 'bilinear';
  alignCorners: boolean;
}

/** The options of a fixture's layer call, e.g. `upsample((2, 3), mode=bilinear, align_corners=true)`. */
function optionsOf(layer: string): Options {
  const scale = /^upsample\(\((\d+), (\d+)\)/.exec(layer) ?? /^upsample\((\d+)/.exec(layer);
  if (!scale) throw new Error(`no scale in ${layer}`);
  const [sh, sw] = [Number(scale[1]), Number(scale[2] ?? scale[1])];
  return {
    scale: [sh, sw],
    mode: layer.includes('bilinear') ? 'bilinear' : 'nearest',
    alignCorners: layer.includes('align_corners=true'),
  };
}

const cases = torchCases('upsample-groupnorm.json', 'upsample');

test('the fixture holds PyTorch cases of every mode', (t) => {
  t.true(cases.length >= 5);
  t.true(cases.some((c) => c.layer.includes('align_corners=true')));
  t.true(cases.some((c) => c.layer.includes('bilinear') && !c.layer.includes('align_corners')));
});

for (const fixture of cases) {
  const options = optionsOf(fixture.layer);
  const [batch, channels, inHeight, inWidth] = fixture.input_shape;
  const desc = {
    channels,
    inHeight,
    inWidth,
    scaleHeight: options.scale[0],
    scaleWidth: options.scale[1],
    mode: options.mode,
    alignCorners: options.alignCorners,
  };

  test(`${fixture.layer}: the float64 reference is PyTorch's nn.Upsample`, (t) => {
    const x = reference.tensor(fixture.input, fixture.input_shape);
    const y = reference.upsample2d(x, options);
    t.deepEqual(y.shape, fixture.output_shape);
    t.true(maxRelative(y.data, fixture.output) < 1e-12);
  });

  test(`${fixture.layer}: the gpu.js kernels compute PyTorch's output and input gradient`, async (t) => {
    const forward = upsampleKernel(backend.get(), desc);
    const y = await forward(Float32Array.from(fixture.input), batch);
    const forwardError = maxRelative(y, fixture.output);
    t.true(forwardError < 1e-5, `forward: ${forwardError}`);
    const backward = upsampleGrad(backend.get(), desc);
    const { input } = await backward(Float32Array.from(fixture.upstream), {}, batch);
    const gradError = maxRelative(input, fixture.grad_input);
    t.true(gradError < 1e-5, `input gradient: ${gradError}`);
  });

  test(`${fixture.layer}: the backward matches finite differences of the reference`, async (t) => {
    const x = randomTensor(fixture.layer, fixture.input.length);
    const grad = upsampleGrad(backend.get(), desc);
    await assertGradients(t, fixture.layer, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) =>
        reference.upsample2d(reference.tensor(data, fixture.input_shape), options).data,
      backward: async (gradOutput) => [(await grad(gradOutput, {}, batch)).input],
    });
  });
}

test('the check above fails for a wrong mode (bilinear is not nearest)', (t) => {
  const [fixture] = cases.filter((c) => c.layer.includes('bilinear'));
  const x = reference.tensor(fixture.input, fixture.input_shape);
  const wrong = reference.upsample2d(x, { ...optionsOf(fixture.layer), mode: 'nearest' });
  t.true(maxRelative(wrong.data, fixture.output) > 1e-3);
});

const MODEL = `model Up {
  input x: [2, 3, 4]
  let a = x -> conv(2, 3, pad=1) -> upsample(2)
  let b = x -> upsample((2, 2), mode=bilinear)
  let c = x -> upsample(2, mode=bilinear, align_corners=true)
  add(a, b, c)
  output y
}
`;

test('the ONNX export (Resize) computes the generated module in onnxruntime', async (t) => {
  t.true((await onnxError('upsample', MODEL, backend.get())) <= 1e-4);
});

(torchProblem ? test.skip : test)(
  'the PyTorch export (nn.Upsample) computes the generated module',
  async (t) => {
    const result = await pytorchAgreement('upsample', MODEL);
    t.is(result.load, 'ok');
    t.true(result.error <= 1e-4, `relative error ${result.error}`);
  },
);
