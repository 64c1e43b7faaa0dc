// Winograd F(2×2, 3×3): the 3×3 stride-1 convolutions with at least 16 input and output channels
// run as Winograd on the wasm target (here every one as F(2×2), whatever the cost model would pick;
// F(4×4) and the choice are tested in winograd4.test.ts). Against the float64 reference within 1e-4 relative, on
// shapes that exercise every edge: odd output sizes (partial tiles), tile rows that are not a
// multiple of four tiles, an odd number of tile quads, valid and asymmetric padding, output
// channels not a multiple of the GEMM's rows, a folded BatchNorm and a fused activation.
import test from 'ava';
import { allclose } from '../../runtime/tensor.js';
import * as ref from '../helpers/reference.js';
import { inputFor } from '../emit/build-helper.js';
import { randomWeights } from '../emit/weights.js';
import { buildWasm } from './build-wasm.js';
import { winogradWeights } from '../../runtime/wasm/pack.js';
import { forceConvLowering } from '../../compiler/emit/wasm/winograd.js';

// For every build of this file (each test file runs in its own process).
forceConvLowering('winograd2');

type Params = (name: string) => ref.RefTensor;

interface Case {
  name: string;
  input: [number, number, number];
  layers: string;
  reference: (x: ref.RefTensor, p: Params) => ref.RefTensor;
}

const conv =
  (pads: [number, number][], bias = true, prefix = '0') =>
  (x: ref.RefTensor, p: Params) =>
    ref.convNd(x, p(`${prefix}.weight`), bias ? p(`${prefix}.bias`) : null, {
      stride: [1, 1],
      dilation: [1, 1],
      pads,
      groups: 1,
      padMode: 'zeros',
    });

const relu = (t: ref.RefTensor): ref.RefTensor => ({
  shape: t.shape,
  data: ref.activateAll(t.data, 'relu'),
});

const CASES: Case[] = [
  {
    name: 'odd output 9×11, pad 1',
    input: [16, 9, 11],
    layers: 'conv(20, 3, pad=1)',
    reference: conv([
      [1, 1],
      [1, 1],
    ]),
  },
  {
    name: '14×14 (7 tiles a row), relu',
    input: [16, 14, 14],
    layers: 'conv(16, 3, pad=1)\n  relu',
    reference: (x, p) =>
      relu(
        conv([
          [1, 1],
          [1, 1],
        ])(x, p),
      ),
  },
  {
    name: 'valid 8×8 → 6×6 (odd quads)',
    input: [17, 8, 8],
    layers: 'conv(16, 3)',
    reference: conv([
      [0, 0],
      [0, 0],
    ]),
  },
  {
    name: '7×7, 33 outputs, no bias',
    input: [32, 7, 7],
    layers: 'conv(33, 3, pad=1, bias=false)',
    reference: conv(
      [
        [1, 1],
        [1, 1],
      ],
      false,
    ),
  },
  {
    name: 'asymmetric pad (1, 2) on 12×36',
    input: [16, 12, 36],
    layers: 'conv(16, 3, pad=(1, 2))',
    reference: conv([
      [1, 1],
      [2, 2],
    ]),
  },
  {
    name: 'BatchNorm folded, relu',
    input: [16, 10, 10],
    layers: 'conv(24, 3, pad=1, bias=false)\n  batchnorm\n  relu',
    reference: (x, p) => {
      const y = conv(
        [
          [1, 1],
          [1, 1],
        ],
        false,
      )(x, p);
      const list = (name: string) => Array.from(p(name).data);
      return relu(
        ref.batchnorm(
          y,
          list('1.weight'),
          list('1.bias'),
          list('1.running_mean'),
          list('1.running_var'),
          1e-5,
        ),
      );
    },
  },
];

const BATCH = 3;

for (const [idx, testCase] of CASES.entries()) {
  test(`winograd ${testCase.name}`, async (t) => {
    const source = `model M {\n  input x: [${testCase.input.join(', ')}]\n  ${testCase.layers}\n  output y\n}\n`;
    const { code, module } = await buildWasm(`winograd-${idx}`, source);
    t.true(code.includes("'winograd3x3'"), 'runs as F(2×2)');
    for (const threads of [1, 2]) {
      const model = await module.create({ threads });
      try {
        model.loadWeights(randomWeights(module, idx * 31 + 3));
        const perSample = testCase.input.reduce((a, b) => a * b, 1);
        const x = inputFor(BATCH * perSample, idx + 11);
        model.profile(true);
        const actual = await model.forward(x, BATCH);
        // Four phases (pad, input transform, GEMM, output transform): this is the Winograd path.
        t.true(
          [...model.profile(true).keys()].some((name) => name.endsWith('_p2')),
          'runs as Winograd',
        );
        const values = model.parameters();
        const params = (name: string) => {
          const spec = module.parameterSpecs.find((s) => s.name === name);
          if (!spec) throw new Error(`no parameter ${name}`);
          return ref.tensor(values.get(name) as Float32Array, [...spec.shape]);
        };
        const expected = testCase.reference(ref.tensor(x, [BATCH, ...testCase.input]), params);
        t.is(actual.length, expected.data.length);
        const report = allclose(actual, expected.data, 1e-4, 1e-5);
        t.true(report.ok, `threads ${threads}: ${report.message}`);
      } finally {
        await model.dispose();
      }
    }
  });
}

test('winograd weights: U = G g Gᵀ of a known filter', (t) => {
  // g = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]; G g Gᵀ by hand (G rows: [1,0,0], [½,½,½], [½,−½,½], [0,0,1]).
  const g = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const u = Array.from(winogradWeights(g, 1, 1));
  t.deepEqual(u, [1, 3, 1, 3, 6, 11.25, 3.75, 9, 2, 3.75, 1.25, 3, 7, 12, 4, 9]);
});
