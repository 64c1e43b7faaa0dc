// `upsample` and `groupnorm` on the wasm target (compiler/emit/wasm/upsample.ts, groupnorm.ts and
// their backwards): the forward against the float64 reference (PyTorch's formulas, test/helpers/
// reference.ts) on shapes that take every code path (f32x4 bodies and scalar tails, scales below
// and above four, aligned corners, a large mean); the backward against central differences of the
// reference; bit-identical forward and training for 1 and 2 threads; and exact results past 2^24
// elements (integer index arithmetic); and PyTorch's own outputs and γ/β gradients (fixture). Also
// the activations whose wasm backward came with them.
import test from 'ava';
import { allclose } from '../../runtime/tensor.js';
import { writeSafetensors } from '../../runtime/safetensors.js';
import { maxRelative, torchCases } from '../layers/layer-checks.js';
import { finiteDifferences, relativeError } from '../helpers/reference-grad.js';
import {
  activateAll,
  convNd,
  groupnorm,
  tensor,
  upsample2d,
  type RefTensor,
} from '../helpers/reference.js';
import { inputFor } from '../emit/build-helper.js';
import { randomWeights } from '../emit/weights.js';
import { buildTrain, seeded } from './build-train.js';
import { buildWasm } from './build-wasm.js';

const model = (input: number[], layers: string) =>
  `model M {\n  input x: [${input.join(', ')}]\n  ${layers}\n  output y\n}\n`;

type Params = (name: string) => RefTensor;

const up =
  (scale: [number, number], mode: 'nearest' | 'bilinear', alignCorners = false) =>
  (x: RefTensor) =>
    upsample2d(x, { scale, mode, alignCorners });

const gn =
  (groups: number, affine: boolean, eps = 1e-5, prefix = '0') =>
  (x: RefTensor, p: Params) =>
    groupnorm(
      x,
      affine ? Array.from(p(`${prefix}.weight`).data) : null,
      affine ? Array.from(p(`${prefix}.bias`).data) : null,
      groups,
      eps,
    );

const FORWARD: {
  name: string;
  input: number[];
  layer: string;
  reference: (x: RefTensor, p: Params) => RefTensor;
  offset?: number;
}[] = [
  // Width 7 at scale 2: one f32x4 widening and three scalar columns per row.
  {
    name: 'nearest 2 on 3×5×7',
    input: [3, 5, 7],
    layer: 'upsample(2)',
    reference: up([2, 2], 'nearest'),
  },
  // Scale 5 across: one f32x4 splat and a scalar per input column.
  {
    name: 'nearest (3, 5) on 2×4×3',
    input: [2, 4, 3],
    layer: 'upsample((3, 5))',
    reference: up([3, 5], 'nearest'),
  },
  {
    name: 'nearest (1, 3) on 2×3×2',
    input: [2, 3, 2],
    layer: 'upsample((1, 3))',
    reference: up([1, 3], 'nearest'),
  },
  {
    name: 'bilinear 2 on 3×5×7',
    input: [3, 5, 7],
    layer: 'upsample(2, mode=bilinear)',
    reference: up([2, 2], 'bilinear'),
  },
  {
    name: 'bilinear (3, 4) on 2×6×9',
    input: [2, 6, 9],
    layer: 'upsample((3, 4), mode=bilinear)',
    reference: up([3, 4], 'bilinear'),
  },
  {
    name: 'bilinear (3, 2) align_corners on 2×6×5',
    input: [2, 6, 5],
    layer: 'upsample((3, 2), mode=bilinear, align_corners=true)',
    reference: up([3, 2], 'bilinear', true),
  },
  {
    name: 'bilinear 2 align_corners on 1×1×8',
    input: [1, 1, 8],
    layer: 'upsample(2, mode=bilinear, align_corners=true)',
    reference: up([2, 2], 'bilinear', true),
  },
  // 2·25 = 50 values per group: twelve f32x4 and a scalar tail of two.
  {
    name: 'groupnorm(4) on 8×5×5',
    input: [8, 5, 5],
    layer: 'groupnorm(4)',
    reference: gn(4, true),
  },
  { name: 'groupnorm(3) on 6×7', input: [6, 7], layer: 'groupnorm(3)', reference: gn(3, true) },
  {
    name: 'groupnorm(8, eps=1e-3, affine=false) on 32×3×3',
    input: [32, 3, 3],
    layer: 'groupnorm(8, eps=0.001, affine=false)',
    reference: gn(8, false, 1e-3),
  },
  // A mean of 100 against a spread of 1: the two-pass float64 statistics keep the variance.
  {
    name: 'groupnorm(2) on 4×6×6 with a mean of 100',
    input: [4, 6, 6],
    layer: 'groupnorm(2)',
    reference: gn(2, true),
    offset: 100,
  },
];

const BATCH = 3;

for (const [idx, c] of FORWARD.entries())
  test(`wasm forward: ${c.name} matches the float64 reference`, async (t) => {
    const { module } = await buildWasm(`resample-${idx}`, model(c.input, c.layer));
    const net = await module.create({ threads: 1 });
    try {
      net.loadWeights(randomWeights(module, 40 + idx));
      const perSample = c.input.reduce((a, b) => a * b, 1);
      const x = inputFor(BATCH * perSample, 3 + idx).map((v) => v + (c.offset ?? 0));
      const actual = await net.forward(x, BATCH);
      const values = net.parameters();
      const params: Params = (name) => {
        const spec = module.parameterSpecs.find((s) => s.name === name);
        if (!spec) throw new Error(`no parameter ${name}`);
        return tensor(values.get(name) as Float32Array, [...spec.shape]);
      };
      const expected = c.reference(tensor(x, [BATCH, ...c.input]), params);
      t.is(actual.length, expected.data.length);
      const report = allclose(actual, expected.data, 1e-4, 1e-5);
      t.true(report.ok, report.message);
    } finally {
      await net.dispose();
    }
  });

type FlatParams = Map<string, Float64Array>;

interface GradCase {
  name: string;
  input: number[];
  /** Output channels of the first layer, `conv(first, 3, pad=1)`. */
  first: number;
  layers: string;
  reference(x: RefTensor, params: FlatParams): RefTensor;
}

const flat = (f: (x: RefTensor) => RefTensor) => (x: RefTensor) => f(x);
const act = (kind: string) => (x: RefTensor) => ({
  data: activateAll(x.data, kind),
  shape: x.shape,
});
const gnFlat = (groups: number, affine: boolean) => (x: RefTensor, p: FlatParams) =>
  groupnorm(
    x,
    affine ? Array.from(p.get('1.weight') as Float64Array) : null,
    affine ? Array.from(p.get('1.bias') as Float64Array) : null,
    groups,
    1e-5,
  );

const GRADIENTS: GradCase[] = [
  {
    name: 'upsample nearest 2',
    input: [2, 4, 5],
    first: 3,
    layers: 'upsample(2)',
    reference: flat(up([2, 2], 'nearest')),
  },
  {
    name: 'upsample nearest (2, 5)',
    input: [2, 3, 4],
    first: 2,
    layers: 'upsample((2, 5))',
    reference: flat(up([2, 5], 'nearest')),
  },
  {
    name: 'upsample bilinear 2',
    input: [2, 5, 6],
    first: 3,
    layers: 'upsample(2, mode=bilinear)',
    reference: flat(up([2, 2], 'bilinear')),
  },
  {
    name: 'upsample bilinear (3, 2) align_corners',
    input: [2, 4, 5],
    first: 2,
    layers: 'upsample((3, 2), mode=bilinear, align_corners=true)',
    reference: flat(up([3, 2], 'bilinear', true)),
  },
  {
    name: 'groupnorm(3) on 6 channels',
    input: [2, 5, 5],
    first: 6,
    layers: 'groupnorm(3)',
    reference: gnFlat(3, true),
  },
  {
    name: 'groupnorm(1, affine=false)',
    input: [2, 4, 4],
    first: 4,
    layers: 'groupnorm(1, affine=false)',
    reference: gnFlat(1, false),
  },
  ...['elu', 'gelu', 'silu', 'hardswish'].map((kind) => ({
    name: kind,
    input: [2, 5, 5],
    first: 3,
    layers: kind,
    reference: act(kind),
  })),
];

const TRAIN_BATCH = 2;

for (const c of GRADIENTS)
  test(`wasm backward: ${c.name} matches central differences of the float64 reference`, async (t) => {
    const source = `${model(c.input, `conv(${c.first}, 3, pad=1)\n  ${c.layers}`)}train M {
  loss = mse
  optimizer = sgd(lr=0)
  batch = ${TRAIN_BATCH}
}
`;
    const { module } = await buildTrain(`resample-grad-${c.name}`, source);
    const net = await module.create({ threads: 1, seed: 9 });
    try {
      const size = c.input.reduce((a, b) => a * b, 1);
      const x = seeded(TRAIN_BATCH * size, 13);
      const names = module.parameterSpecs.map((spec) => spec.name);
      const values = names.map((name) => Float64Array.from(net.parameters().get(name) ?? []));
      const forward = (inputs: Float64Array[]): Float64Array => {
        const params: FlatParams = new Map(names.map((name, idx) => [name, inputs[idx]]));
        const first = convNd(
          tensor(x, [TRAIN_BATCH, ...c.input]),
          tensor(params.get('0.weight') as Float64Array, [c.first, c.input[0], 3, 3]),
          tensor(params.get('0.bias') as Float64Array, [c.first]),
          {
            stride: [1, 1],
            dilation: [1, 1],
            pads: [
              [1, 1],
              [1, 1],
            ],
            groups: 1,
            padMode: 'zeros',
          },
        );
        return c.reference(first, params).data;
      };
      const y = forward(values);
      const targets = seeded(y.length, 5);
      const step = await net.trainStep(x, targets, TRAIN_BATCH, { gradients: true });
      const loss = y.reduce((acc, v, i) => acc + (v - targets[i]) ** 2, 0) / y.length;
      t.true(Math.abs(step.loss - loss) < 1e-5, `loss ${step.loss} against ${loss}`);
      const upstream = y.map((v, idx) => (2 * (v - targets[idx])) / y.length);
      const expected = finiteDifferences(forward, values, upstream);
      t.true(names.length >= 2);
      names.forEach((name, idx) => {
        const actual = step.gradients?.get(name) ?? new Float32Array();
        t.is(actual.length, expected[idx].length, name);
        const error = relativeError(actual, expected[idx]);
        t.true(error < 1e-3, `${name}: relative error ${error.toExponential(2)}`);
      });
    } finally {
      await net.dispose();
    }
  });

const NET = `model Net {
  input x: [4, 24, 24]
  conv(16, 3, pad=1)
  groupnorm(4)
  relu
  upsample(2, mode=bilinear)
  conv(8, 3, stride=2, pad=1)
  groupnorm(2)
  upsample((2, 3))
  conv(4, 3, pad=1)
  upsample(2, mode=bilinear, align_corners=true)
  avgpool(global)
  flatten
  linear(10)
  output y
}
train Net {
  loss = mse
  optimizer = sgd(lr=0.05, momentum=0.9)
  batch = 8
}
`;

test('threads 1 and 2: bit-identical outputs, gradients and weights after 4 steps', async (t) => {
  const { module } = await buildTrain('resample-threads', NET);
  const batch = 8;
  const x = seeded(batch * 4 * 24 * 24, 17);
  const targets = seeded(batch * 10, 19);
  const runs: { output: Float32Array; gradients: Float32Array[]; weights: Float32Array[] }[] = [];
  for (const threads of [1, 2]) {
    const net = await module.create({ threads, seed: 3 });
    try {
      const output = (await net.forward(x, batch)).slice();
      let gradients: Float32Array[] = [];
      for (let step = 0; step < 4; step++) {
        const result = await net.trainStep(x, targets, batch, { gradients: true });
        if (step === 0)
          gradients = [...(result.gradients ?? new Map()).values()].map((g) => g.slice());
      }
      const weights = [...net.parameters().values()].map((w) => w.slice());
      runs.push({ output, gradients, weights });
    } finally {
      await net.dispose();
    }
  }
  const bytes = (arrays: Float32Array[]) => Buffer.concat(arrays.map((a) => Buffer.from(a.buffer)));
  t.true(runs[0].gradients.length >= 10);
  t.true(bytes([runs[0].output]).equals(bytes([runs[1].output])), 'forward');
  t.true(bytes(runs[0].gradients).equals(bytes(runs[1].gradients)), 'gradients of the first step');
  t.true(bytes(runs[0].weights).equals(bytes(runs[1].weights)), 'weights after 4 steps');
  // The steps changed the weights (the comparison is not of two untouched initialisations).
  const fresh = await module.create({ threads: 1, seed: 3 });
  try {
    t.false(bytes([...fresh.parameters().values()]).equals(bytes(runs[0].weights)));
  } finally {
    await fresh.dispose();
  }
});

// PyTorch's own outputs and gradients (test/fixtures/upsample-groupnorm.json, made by
// scripts/torch/upsample_groupnorm.py with nn.Upsample and nn.GroupNorm).
for (const fixture of [
  ...torchCases('upsample-groupnorm.json', 'upsample'),
  ...torchCases('upsample-groupnorm.json', 'groupnorm'),
])
  test(`wasm ${fixture.layer} on ${fixture.input_shape.join('×')}: PyTorch's output${Object.keys(fixture.params).length > 0 ? ' and γ/β gradients' : ''}`, async (t) => {
    const [batch, ...shape] = fixture.input_shape;
    const weights = Object.entries(fixture.params).map(
      ([name, data]): [string, { shape: number[]; data: Float32Array }] => [
        `0.${name}`,
        { shape: [data.length], data: Float32Array.from(data) },
      ],
    );
    const { module } = await buildWasm(
      `torch-${fixture.layer}-${fixture.input_shape.join('x')}`,
      model(shape, fixture.layer),
    );
    const net = await module.create({ threads: 1 });
    try {
      if (weights.length > 0) net.loadWeights(writeSafetensors(weights));
      const y = await net.forward(Float32Array.from(fixture.input), batch);
      const error = maxRelative(y, fixture.output);
      t.true(error < 1e-5, `forward: ${error}`);
    } finally {
      await net.dispose();
    }
    if (weights.length === 0) return;
    // mse against `y − upstream·N/2` makes PyTorch's upstream the output gradient.
    const source = `${model(shape, fixture.layer)}train M {\n  loss = mse\n  optimizer = sgd(lr=0)\n  batch = ${batch}\n}\n`;
    const train = await buildTrain(
      `torch-grad-${fixture.layer}-${fixture.input_shape.join('x')}`,
      source,
    );
    const trainer = await train.module.create({ threads: 1, seed: 1 });
    try {
      (trainer as unknown as { loadWeights(bytes: Uint8Array): void }).loadWeights(
        writeSafetensors(weights),
      );
      const x = Float32Array.from(fixture.input);
      const y = await trainer.forward(x, batch);
      const targets = Float32Array.from(y, (v, idx) => v - (fixture.upstream[idx] * y.length) / 2);
      const step = await trainer.trainStep(x, targets, batch, { gradients: true });
      t.deepEqual(Object.keys(fixture.grad_params).sort(), ['bias', 'weight']);
      for (const name of Object.keys(fixture.grad_params)) {
        const error = maxRelative(
          step.gradients?.get(`0.${name}`) ?? [],
          fixture.grad_params[name],
        );
        t.true(error < 1e-4, `${name} gradient: ${error}`);
      }
    } finally {
      await trainer.dispose();
    }
  });
