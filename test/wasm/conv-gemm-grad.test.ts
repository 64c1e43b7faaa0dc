// The convolution gradients as GEMMs (compiler/emit/wasm/backward/conv-gemm.ts), reached on small
// layers by lowering their threshold: parameter gradients against central finite differences of
// the float64 reference (stride 1 and 2, padding, dilation, 1-D, output channels and taps that fill
// part of a tile, several depth blocks of positions, several units), and bit-identical gradients
// for 1 and 2 threads.
import test from 'ava';
import { gemmBackwardOptions } from '../../compiler/emit/wasm/backward/conv-gemm.js';
import { finiteDifferences, relativeError } from '../helpers/reference-grad.js';
import { convNd, tensor, type RefTensor } from '../helpers/reference.js';
import { slowSuite } from '../helpers/suite.js';
import { buildTrain, seeded } from './build-train.js';

gemmBackwardOptions.minMacs = 0;
gemmBackwardOptions.overVector = true;
// Column-gradient chunks of a few panels: several chunks per sample, the last one partial.
gemmBackwardOptions.columnFloats = 2048;

const BATCH = 2;

interface Layer {
  out: number;
  k: number;
  stride?: number;
  pad?: number;
  dilation?: number;
}

interface Case {
  name: string;
  /** `[channels, height, width]`, or `[channels, length]` for a 1-D model. */
  input: number[];
  layers: Layer[];
}

const CASES: Case[] = [
  // 5 output channels (a row block of 1), 72 taps (five units of two tap panels, the last panel of
  // 8 full), 420 positions (three depth blocks of 140).
  {
    name: '5 channels 3×3 pad 1 on 8×20×21',
    input: [8, 20, 21],
    layers: [{ out: 5, k: 3, pad: 1 }],
  },
  // 27 taps (a last panel of 3), 30 positions (a tail of 2 past the unrolled depth steps).
  {
    name: 'stride 2 pad 1, 7 channels',
    input: [3, 11, 10],
    layers: [
      { out: 4, k: 1 },
      { out: 7, k: 3, stride: 2, pad: 1 },
    ],
  },
  // 69 output channels: two units of row blocks, the last block of 1; its input gradient has 27
  // taps (a last row block of 3) and 69 channels of depth (a tail of 1).
  {
    name: '69 channels 3×3 on 2×5×5',
    input: [2, 5, 5],
    layers: [
      { out: 3, k: 3, pad: 1 },
      { out: 69, k: 3 },
    ],
  },
  // 201 output channels: the input gradient's depth in two blocks.
  {
    name: '201 channels 1×1 on 2×3×3',
    input: [2, 3, 3],
    layers: [
      { out: 2, k: 3, pad: 1 },
      { out: 201, k: 1 },
    ],
  },
  {
    name: '1×1 then 5×5 pad 2 dilation 2',
    input: [3, 12, 12],
    layers: [
      { out: 5, k: 1 },
      { out: 2, k: 5, pad: 2, dilation: 2 },
    ],
  },
  // The input gradient's col2im four positions at a time inside a row, one at a time at its edges.
  {
    name: '1×1 then 3×3 pad 1 on 3×7×10',
    input: [3, 7, 10],
    layers: [
      { out: 4, k: 1 },
      { out: 6, k: 3, pad: 1 },
    ],
  },
  {
    name: 'conv1d stride 2 pad 1',
    input: [3, 37],
    layers: [{ out: 6, k: 3, stride: 2, pad: 1 }],
  },
];

function source(c: Case, batch: number): string {
  const op = c.input.length === 2 ? 'conv1d' : 'conv';
  const layers = c.layers
    .map(
      (l) =>
        `  ${op}(${l.out}, ${l.k}, stride=${l.stride ?? 1}, pad=${l.pad ?? 0}, dilation=${l.dilation ?? 1})`,
    )
    .join('\n');
  return `model M {
  input x: [${c.input.join(', ')}]
${layers}
  output y
}
train M {
  loss = mse
  optimizer = sgd(lr=0)
  batch = ${batch}
}
`;
}

function reference(c: Case, x: RefTensor, params: Float64Array[]): RefTensor {
  const dims = c.input.length - 1;
  let value = x;
  c.layers.forEach((l, idx) => {
    const inC = value.shape[1];
    value = convNd(
      value,
      tensor(params[2 * idx], [l.out, inC, ...Array<number>(dims).fill(l.k)]),
      tensor(params[2 * idx + 1], [l.out]),
      {
        stride: Array<number>(dims).fill(l.stride ?? 1),
        dilation: Array<number>(dims).fill(l.dilation ?? 1),
        pads: Array.from({ length: dims }, () => [l.pad ?? 0, l.pad ?? 0]),
        groups: 1,
        padMode: 'zeros',
      },
    );
  });
  return value;
}

// Stride 1 and stride 2 in `npm test`, the other cases in `npm run test:slow` (ava.config.js).
for (const c of slowSuite ? CASES.slice(2) : CASES.slice(0, 2))
  test(`wasm conv GEMM backward: ${c.name} matches central differences of the float64 reference`, async (t) => {
    const { code, module } = await buildTrain(`conv-gemm-${c.name}`, source(c, BATCH));
    t.true(code.length > 0);
    const model = await module.create({ threads: 1, seed: 7 });
    try {
      const size = c.input.reduce((a, b) => a * b, 1);
      const x = seeded(BATCH * size, 11);
      const names = module.parameterSpecs.map((spec) => spec.name);
      const values = names.map((name) => Float64Array.from(model.parameters().get(name) ?? []));
      const forward = (inputs: Float64Array[]) =>
        reference(c, tensor(x, [BATCH, ...c.input]), inputs).data;
      const y = forward(values);
      const targets = seeded(y.length, 5);
      const step = await model.trainStep(x, targets, BATCH, { gradients: true });
      const upstream = y.map((v, idx) => (2 * (v - targets[idx])) / y.length);
      const expected = finiteDifferences(forward, values, upstream);
      names.forEach((name, idx) => {
        const actual = step.gradients?.get(name) ?? new Float32Array();
        t.is(actual.length, expected[idx].length, name);
        const error = relativeError(actual, expected[idx]);
        t.true(error < 1e-3, `${name}: relative error ${error.toExponential(2)}`);
      });
    } finally {
      await model.dispose();
    }
  });

if (!slowSuite)
  test('wasm conv GEMM backward: gradients bit-identical for 1 and 2 threads', async (t) => {
    // 69 output channels × 72 taps: six units of dW blocks (2 × 3); batch 5.
    const c: Case = {
      name: 'threads',
      input: [8, 14, 13],
      layers: [
        { out: 69, k: 3, pad: 1 },
        { out: 3, k: 3, stride: 2, pad: 1 },
      ],
    };
    const batch = 5;
    const { module } = await buildTrain('conv-gemm-threads', source(c, batch));
    const x = seeded(batch * 8 * 14 * 13, 3);
    const runs: Map<string, Float32Array>[] = [];
    for (const threads of [1, 2]) {
      const model = await module.create({ threads, seed: 4, workers: 'always' });
      try {
        const targets = seeded(batch * 3 * 7 * 7, 9);
        const step = await model.trainStep(x, targets, batch, { gradients: true });
        runs.push(
          new Map(
            [...(step.gradients ?? new Map<string, Float32Array>())].map(([k, v]) => [
              k,
              v.slice(),
            ]),
          ),
        );
      } finally {
        await model.dispose();
      }
    }
    t.is(runs[0].size, 4);
    for (const [name, value] of runs[0]) {
      const other = runs[1].get(name) ?? new Float32Array();
      t.true(
        value.some((v) => v !== 0),
        `${name} is not all zero`,
      );
      t.true(
        value.length === other.length && value.every((v, idx) => Object.is(v, other[idx])),
        `${name} differs between 1 and 2 threads`,
      );
    }
  });
