// Gradients of the wasm target's generated backward kernels against central finite differences of
// the float64 reference (test/helpers/reference.ts), < 1e-3 max-norm relative error, through
// `trainStep`: each case is a convolution followed by the layer under test, trained on `mse`, so
// the layer's parameter gradients and its input gradient (which reaches the first convolution's
// parameters) are both checked.
import test from 'ava';
import { finiteDifferences, relativeError } from '../helpers/reference-grad.js';
import {
  activateAll,
  convNd,
  linear,
  pool2d,
  tensor,
  type RefTensor,
} from '../helpers/reference.js';
import { buildTrain, seeded } from './build-train.js';

const BATCH = 2;

type Params = Map<string, Float64Array>;

interface Case {
  name: string;
  input: number[];
  /** The layers after the first convolution `conv(3, 3, pad=1)`. */
  layers: string;
  /** The float64 forward of the layers after the first convolution. */
  reference(x: RefTensor, params: Params): RefTensor;
  /** A 1-D model: the first layer is `conv1d(3, 3, pad=1)`. */
  oneD?: boolean;
}

const conv = (
  x: RefTensor,
  params: Params,
  prefix: string,
  outC: number,
  k: number,
  o: { stride?: number; pad?: number; dilation?: number; groups?: number } = {},
): RefTensor => {
  const groups = o.groups ?? 1;
  const inC = x.shape[1];
  return convNd(
    x,
    tensor(params.get(`${prefix}.weight`) as Float64Array, [outC, inC / groups, k, k]),
    tensor(params.get(`${prefix}.bias`) as Float64Array, [outC]),
    {
      stride: [o.stride ?? 1, o.stride ?? 1],
      dilation: [o.dilation ?? 1, o.dilation ?? 1],
      pads: [
        [o.pad ?? 0, o.pad ?? 0],
        [o.pad ?? 0, o.pad ?? 0],
      ],
      groups,
      padMode: 'zeros',
    },
  );
};

const act = (kind: string, alpha?: number) => (x: RefTensor) => ({
  data: activateAll(x.data, kind, alpha),
  shape: x.shape,
});

const CASES: Case[] = [
  {
    name: 'conv stride 2',
    input: [2, 7, 7],
    layers: 'conv(4, 3, stride=2, pad=1)',
    reference: (x, p) => conv(x, p, '1', 4, 3, { stride: 2, pad: 1 }),
  },
  {
    name: 'conv dilation 2',
    input: [2, 8, 8],
    layers: 'conv(4, 3, dilation=2)',
    reference: (x, p) => conv(x, p, '1', 4, 3, { dilation: 2 }),
  },
  {
    name: 'conv groups 3',
    input: [2, 6, 6],
    layers: 'conv(6, 3, pad=1, groups=3)',
    reference: (x, p) => conv(x, p, '1', 6, 3, { pad: 1, groups: 3 }),
  },
  {
    // The register-blocked stride-1 gradients (backward/conv-vector.ts) at their edges: 5 output
    // channels (a last block of one), 3 input channels (a last tile of one of two), 13 columns
    // (a last vector of one valid float), taps reading the padding.
    name: 'conv 5 channels on 5×13, edge tiles',
    input: [2, 5, 13],
    layers: 'conv(5, 3, pad=1)',
    reference: (x, p) => conv(x, p, '1', 5, 3, { pad: 1 }),
  },
  {
    name: 'conv 1x1 and 5x5 pad 2',
    input: [1, 9, 9],
    layers: 'conv(5, 1)\n  conv(2, 5, pad=2)',
    reference: (x, p) => conv(conv(x, p, '1', 5, 1), p, '2', 2, 5, { pad: 2 }),
  },
  {
    // The f32x4 kernel of backward/pool-vector.ts: 5 outputs a row, a vector of 4 and one more.
    name: 'maxpool 2 (vector kernel)',
    input: [2, 6, 10],
    layers: 'maxpool(2)',
    reference: (x) =>
      pool2d(x, {
        kind: 'max',
        kernel: [2, 2],
        stride: [2, 2],
        pads: [
          [0, 0],
          [0, 0],
        ],
        ceil: false,
        countIncludePad: true,
        p: 2,
      }),
  },
  {
    name: 'maxpool 3 stride 2 pad 1',
    input: [2, 7, 7],
    layers: 'maxpool(3, stride=2, pad=1)',
    reference: (x) =>
      pool2d(x, {
        kind: 'max',
        kernel: [3, 3],
        stride: [2, 2],
        pads: [
          [1, 1],
          [1, 1],
        ],
        ceil: false,
        countIncludePad: true,
        p: 2,
      }),
  },
  {
    name: 'avgpool 2',
    input: [2, 6, 6],
    layers: 'avgpool(2)',
    reference: (x) =>
      pool2d(x, {
        kind: 'avg',
        kernel: [2, 2],
        stride: [2, 2],
        pads: [
          [0, 0],
          [0, 0],
        ],
        ceil: false,
        countIncludePad: true,
        p: 2,
      }),
  },
  ...(['relu', 'sigmoid', 'tanh', 'relu6'] as const).map((kind) => ({
    name: kind,
    input: [2, 5, 5],
    layers: kind,
    reference: act(kind),
  })),
  {
    name: 'leaky_relu(0.2)',
    input: [2, 5, 5],
    layers: 'leaky_relu(alpha=0.2)',
    reference: act('leaky_relu', 0.2),
  },
  {
    name: 'flatten, linear, relu, linear',
    input: [2, 4, 4],
    layers: 'flatten\n  linear(7)\n  relu\n  linear(5)',
    reference: (x, p) => {
      const flat = tensor(x.data, [x.shape[0], x.data.length / x.shape[0]]);
      const lin = (v: RefTensor, prefix: string, out: number) =>
        linear(
          v,
          tensor(p.get(`${prefix}.weight`) as Float64Array, [out, v.shape[1]]),
          tensor(p.get(`${prefix}.bias`) as Float64Array, [out]),
        );
      return lin(act('relu')(lin(flat, '2', 7)), '4', 5);
    },
  },
  {
    name: 'global and adaptive avgpool',
    input: [2, 5, 5],
    layers: 'avgpool(adaptive=(2, 2))\n  maxpool(global)',
    reference: (x) => {
      const [batch, channels] = x.shape;
      const out = new Float64Array(batch * channels);
      for (let nc = 0; nc < batch * channels; nc++) {
        let best = -Infinity;
        // PyTorch's adaptive windows of 5 → 2: [0, 3) and [2, 5).
        for (const [h0, h1] of [
          [0, 3],
          [2, 5],
        ])
          for (const [w0, w1] of [
            [0, 3],
            [2, 5],
          ]) {
            let sum = 0;
            for (let h = h0; h < h1; h++)
              for (let w = w0; w < w1; w++) sum += x.data[nc * 25 + h * 5 + w];
            best = Math.max(best, sum / ((h1 - h0) * (w1 - w0)));
          }
        out[nc] = best;
      }
      return tensor(out, [batch, channels, 1, 1]);
    },
  },
  {
    name: 'batchnorm (batch statistics)',
    input: [2, 4, 4],
    layers: 'batchnorm\n  relu',
    reference: (x, p) => {
      const [batch, channels, h, w] = x.shape;
      const spatial = h * w;
      const gamma = p.get('1.weight') as Float64Array;
      const beta = p.get('1.bias') as Float64Array;
      const out = new Float64Array(x.data.length);
      for (let c = 0; c < channels; c++) {
        const at = (n: number, s: number) => (n * channels + c) * spatial + s;
        let mean = 0;
        for (let n = 0; n < batch; n++) for (let s = 0; s < spatial; s++) mean += x.data[at(n, s)];
        mean /= batch * spatial;
        let variance = 0;
        for (let n = 0; n < batch; n++)
          for (let s = 0; s < spatial; s++) variance += (x.data[at(n, s)] - mean) ** 2;
        variance /= batch * spatial;
        for (let n = 0; n < batch; n++)
          for (let s = 0; s < spatial; s++) {
            const v = ((x.data[at(n, s)] - mean) / Math.sqrt(variance + 1e-5)) * gamma[c] + beta[c];
            out[at(n, s)] = Math.max(0, v);
          }
      }
      return { data: out, shape: x.shape };
    },
  },
  {
    name: 'conv1d stride 2 dilation 2',
    input: [2, 13],
    layers: 'conv1d(4, 3, stride=2, dilation=2, pad=1)',
    oneD: true,
    reference: (x, p) =>
      convNd(
        x,
        tensor(p.get('1.weight') as Float64Array, [4, 3, 3]),
        tensor(p.get('1.bias') as Float64Array, [4]),
        { stride: [2], dilation: [2], pads: [[1, 1]], groups: 1, padMode: 'zeros' },
      ),
  },
  {
    name: 'residual (add, fan-out)',
    input: [3, 5, 5],
    layers: 'residual {\n    conv(3, 3, pad=1)\n    tanh\n  }\n  relu',
    reference: (x, p) => {
      const body = act('tanh')(conv(x, p, '1.0', 3, 3, { pad: 1 }));
      const sum = { data: body.data.map((v, idx) => v + x.data[idx]), shape: x.shape };
      return act('relu')(sum);
    },
  },
];

for (const c of CASES)
  test(`wasm backward: ${c.name} matches central differences of the float64 reference`, async (t) => {
    const source = `model M {
  input x: [${c.input.join(', ')}]
  ${c.oneD ? 'conv1d' : 'conv'}(3, 3, pad=1)
  ${c.layers}
  output y
}
train M {
  loss = mse
  optimizer = sgd(lr=0)
  batch = ${BATCH}
}
`;
    const { module } = await buildTrain(`grad-${c.name}`, source);
    const model = await module.create({ threads: 1, seed: 7 });
    try {
      const size = c.input.reduce((a, b) => a * b, 1);
      const x = seeded(BATCH * size, 11);
      const names = module.parameterSpecs.map((spec) => spec.name);
      const values = names.map((name) => Float64Array.from(model.parameters().get(name) ?? []));
      const forward = (inputs: Float64Array[]): Float64Array => {
        const params: Params = new Map(names.map((name, idx) => [name, inputs[idx]]));
        const input = tensor(x, [BATCH, ...c.input]);
        const first = c.oneD
          ? convNd(
              input,
              tensor(params.get('0.weight') as Float64Array, [3, c.input[0], 3]),
              tensor(params.get('0.bias') as Float64Array, [3]),
              { stride: [1], dilation: [1], pads: [[1, 1]], groups: 1, padMode: 'zeros' },
            )
          : conv(input, params, '0', 3, 3, { pad: 1 });
        return c.reference(first, params).data;
      };
      const y = forward(values);
      const targets = seeded(y.length, 5);
      const step = await model.trainStep(x, targets, BATCH, { gradients: true });
      t.true(
        Math.abs(step.loss - y.reduce((acc, v, i) => acc + (v - targets[i]) ** 2, 0) / y.length) <
          1e-5,
        'the loss agrees with the reference',
      );
      const upstream = y.map((v, idx) => (2 * (v - targets[idx])) / y.length);
      const expected = finiteDifferences(forward, values, upstream);
      names.forEach((name, idx) => {
        const actual = step.gradients?.get(name) ?? new Float32Array();
        const largest = (values: ArrayLike<number>) =>
          Array.from(values).reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
        // A gradient that is zero in exact arithmetic (a bias before a BatchNorm) has no scale to
        // be relative to: there it must be float32 noise.
        if (largest(expected[idx]) < 1e-8) {
          t.true(largest(actual) < 1e-6, `${name}: ${largest(actual)} where the gradient is 0`);
          return;
        }
        const error = relativeError(actual, expected[idx]);
        t.true(error < 1e-3, `${name}: relative error ${error.toExponential(2)}`);
      });
    } finally {
      await model.dispose();
    }
  });
