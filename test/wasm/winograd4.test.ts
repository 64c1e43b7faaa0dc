// Winograd F(4×4, 3×3) on the wasm target: the transforms as the kernels emit them against a
// direct float64 convolution, whole layers against the float64 reference (partial tiles at the
// right and bottom edges, quads across tile rows, padding 0/1/asymmetric, bias or none, fused
// activations, a folded BatchNorm, batch 3), bit-identical output for 1 and 2 threads, the cost
// model's choice per layer, and addresses past 2^24 floats.
//
// Tolerance: F(4×4) rounds more than F(2×2) or im2col (its transforms scale by up to 8 and its
// weights by 1/24), so layers are compared norm-wise, max |y − ref| / max |ref| ≤ 2e-5 (the
// measure of the benchmark's agreement check); measured 2–4e-6 on these layers.
import test from 'ava';
import { forceConvLowering, loweringCost } from '../../compiler/emit/wasm/winograd.js';
import { inputRows, outputRows } from '../../compiler/emit/wasm/winograd4.js';
import type { ConvGeometry } from '../../compiler/emit/wasm/gemm.js';
import { G4, winogradWeights } from '../../runtime/wasm/pack.js';
import * as ref from '../helpers/reference.js';
import { inputFor } from '../emit/build-helper.js';
import { randomWeights } from '../emit/weights.js';
import { buildWasm } from './build-wasm.js';

// A float64 evaluator of the straight-line f32x4 code the transform helpers emit (every lane is
// the same scalar here): `local.set`, `local.get`, `f32x4.add/sub/mul`, `v128.const f32x4`.
type Sexp = string | Sexp[];

function parse(text: string): Sexp[] {
  const tokens = text.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').trim().split(/\s+/);
  let at = 0;
  const read = (): Sexp => {
    const token = tokens[at++];
    if (token !== '(') return token;
    const list: Sexp[] = [];
    while (tokens[at] !== ')') list.push(read());
    at++;
    return list;
  };
  const forms: Sexp[] = [];
  while (at < tokens.length) forms.push(read());
  return forms;
}

function run(code: string, locals: Map<string, number>): void {
  const value = (e: Sexp): number => {
    if (!Array.isArray(e)) throw new Error(`atom ${e}`);
    const [op, ...args] = e;
    switch (op) {
      case 'local.get': {
        const v = locals.get(String(args[0]));
        if (v === undefined) throw new Error(`unset ${String(args[0])}`);
        return v;
      }
      case 'f32x4.add':
        return value(args[0]) + value(args[1]);
      case 'f32x4.sub':
        return value(args[0]) - value(args[1]);
      case 'f32x4.mul':
        return value(args[0]) * value(args[1]);
      case 'v128.const':
        if (args[0] !== 'f32x4' || new Set(args.slice(1)).size !== 1) throw new Error('const');
        return Number(args[1]);
      default:
        throw new Error(`unexpected ${String(op)}`);
    }
  };
  for (const form of parse(code)) {
    if (!Array.isArray(form) || form[0] !== 'local.set') throw new Error('statement');
    locals.set(String(form[1]), value(form[2]));
  }
}

/** Bᵀ x (6 → 6) and Aᵀ m (6 → 4) through the emitted code. */
function emitted(kind: 'input' | 'output', x: readonly number[]): number[] {
  const locals = new Map<string, number>(x.map((value, idx) => [`$p${idx}`, value]));
  const count = kind === 'input' ? 6 : 4;
  const ins = x.map((_, idx) => `(local.get $p${idx})`);
  const outs = Array.from({ length: count }, (_, idx) => `q${idx}`);
  run(kind === 'input' ? inputRows(ins, outs) : outputRows(ins, outs), locals);
  return outs.map((name) => locals.get(`$${name}`) as number);
}

test('F(4×4) transforms as emitted: Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A is the direct 3×3 correlation', (t) => {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
  let worst = 0;
  for (let trial = 0; trial < 50; trial++) {
    const d = Array.from({ length: 36 }, random);
    const g = Array.from({ length: 9 }, random);
    // V = Bᵀ d B: B across each row, then Bᵀ down each column (the kernel's order).
    const rows = Array.from({ length: 6 }, (_, i) => emitted('input', d.slice(i * 6, i * 6 + 6)));
    const v = new Array<number>(36);
    for (let j = 0; j < 6; j++) {
      const column = emitted(
        'input',
        rows.map((row) => row[j]),
      );
      for (let i = 0; i < 6; i++) v[i * 6 + j] = column[i];
    }
    // U = G g Gᵀ in float64 from pack.ts's G.
    const u = new Array<number>(36);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        let acc = 0;
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) acc += G4[i][a] * g[a * 3 + b] * G4[j][b];
        u[i * 6 + j] = acc;
      }
    const m = u.map((value, idx) => value * v[idx]);
    // Y = Aᵀ M A: Aᵀ down each column, then across each row.
    const e = Array.from({ length: 6 }, (_, j) =>
      emitted(
        'output',
        Array.from({ length: 6 }, (_, i) => m[i * 6 + j]),
      ),
    );
    for (let i = 0; i < 4; i++) {
      const y = emitted(
        'output',
        e.map((column) => column[i]),
      );
      for (let j = 0; j < 4; j++) {
        let direct = 0;
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) direct += d[(i + a) * 6 + j + b] * g[a * 3 + b];
        worst = Math.max(worst, Math.abs(y[j] - direct));
      }
    }
  }
  t.true(worst < 1e-12, `worst difference ${worst}`);
});

test('F(4×4) weights: U = G g Gᵀ of a known filter, rounded once', (t) => {
  // g = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]; G g Gᵀ worked out by hand for a few positions:
  // U[0][0] = g00/16, U[5][5] = g22, U[0][5] = g02/4, U[1][1] = (Σ g)/36,
  // U[3][3] = (Σ_ab c_a c_b g_ab) with c = (1/24, 1/12, 1/6).
  const g = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const u = winogradWeights(g, 1, 1, 4);
  t.is(u.length, 36);
  t.is(u[0], 1 / 16);
  t.is(u[35], 9);
  t.is(u[5], 3 / 4);
  t.is(u[7], Math.fround(45 / 36));
  const c = [1 / 24, 1 / 12, 1 / 6];
  let expected = 0;
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expected += c[a] * c[b] * g[a * 3 + b];
  t.is(u[21], Math.fround(expected));
});

type Params = (name: string) => ref.RefTensor;

interface Case {
  name: string;
  input: [number, number, number];
  layers: string;
  pads: [number, number][];
  bias?: boolean;
  after?: (y: ref.RefTensor, p: Params) => ref.RefTensor;
}

const activation =
  (kind: string, alpha?: number) =>
  (y: ref.RefTensor): ref.RefTensor => ({
    shape: y.shape,
    data: ref.activateAll(y.data, kind, alpha),
  });

const P1: [number, number][] = [
  [1, 1],
  [1, 1],
];

const CASES: Case[] = [
  {
    // 9 = 4 + 4 + 1 rows, 11 = 4 + 4 + 3 columns: partial tiles at both edges; 3 tiles a row,
    // so quads start mid-row.
    name: '16 → 20 on 9×11, pad 1',
    input: [16, 9, 11],
    layers: 'conv(20, 3, pad=1)',
    pads: P1,
  },
  {
    // 2×2 tiles of 4 (two valid columns and rows in the last): one quad, half a panel of zeros.
    name: 'valid 8×8 → 6×6, 17 → 16',
    input: [17, 8, 8],
    layers: 'conv(16, 3)',
    pads: [
      [0, 0],
      [0, 0],
    ],
  },
  {
    // Two tiles a row (the second with three valid columns): every quad spans two tile rows.
    name: '32 → 33 on 7×7, no bias, relu',
    input: [32, 7, 7],
    layers: 'conv(33, 3, pad=1, bias=false)\n  relu',
    pads: P1,
    bias: false,
    after: activation('relu'),
  },
  {
    name: 'asymmetric pad (1, 2) on 12×37, leaky_relu',
    input: [16, 12, 37],
    layers: 'conv(16, 3, pad=(1, 2))\n  leaky_relu(alpha=0.2)',
    pads: [
      [1, 1],
      [2, 2],
    ],
    after: activation('leaky_relu', 0.2),
  },
  {
    name: '5×5 (one valid column in the last tile), relu6',
    input: [24, 5, 5],
    layers: 'conv(16, 3, pad=1)\n  relu6',
    pads: P1,
    after: activation('relu6'),
  },
  {
    name: 'BatchNorm folded, relu, 28×28 (7 tiles a row)',
    input: [16, 28, 28],
    layers: 'conv(24, 3, pad=1, bias=false)\n  batchnorm\n  relu',
    pads: P1,
    bias: false,
    after: (y, p) => {
      const list = (name: string) => Array.from(p(name).data);
      return activation('relu')(
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
const TOLERANCE = 2e-5;

/** max |a − b| / max |b|. */
function normwise(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let idx = 0; idx < expected.length; idx++) {
    diff = Math.max(diff, Math.abs(actual[idx] - expected[idx]));
    scale = Math.max(scale, Math.abs(expected[idx]));
  }
  return diff / scale;
}

const source = (input: readonly number[], layers: string) =>
  `model M {\n  input x: [${input.join(', ')}]\n  ${layers}\n  output y\n}\n`;

/** Builds with every eligible convolution forced to F(4×4) (serial tests: the switch is global). */
async function buildForced(name: string, text: string, lowering: 'winograd2' | 'winograd4') {
  forceConvLowering(lowering);
  try {
    return await buildWasm(name, text);
  } finally {
    forceConvLowering(undefined);
  }
}

for (const [idx, testCase] of CASES.entries()) {
  test.serial(`F(4×4) layer ${testCase.name}`, async (t) => {
    const { code, module } = await buildForced(
      `winograd4-${idx}`,
      source(testCase.input, testCase.layers),
      'winograd4',
    );
    t.true(code.includes("'winograd4x4'"), 'runs as F(4×4)');
    t.false(code.includes("'winograd3x3'"));
    const outputs: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const model = await module.create({ threads, workers: 'always' });
      try {
        model.loadWeights(randomWeights(module, idx * 31 + 5));
        const perSample = testCase.input.reduce((a, b) => a * b, 1);
        const x = inputFor(BATCH * perSample, idx + 17);
        const actual = await model.forward(x, BATCH);
        outputs.push(actual);
        const values = model.parameters();
        const params = (name: string) => {
          const spec = module.parameterSpecs.find((s) => s.name === name);
          if (!spec) throw new Error(`no parameter ${name}`);
          return ref.tensor(values.get(name) as Float32Array, [...spec.shape]);
        };
        const conv = ref.convNd(
          ref.tensor(x, [BATCH, ...testCase.input]),
          params('0.weight'),
          testCase.bias === false ? null : params('0.bias'),
          { stride: [1, 1], dilation: [1, 1], pads: testCase.pads, groups: 1, padMode: 'zeros' },
        );
        const expected = testCase.after ? testCase.after(conv, params) : conv;
        t.is(actual.length, expected.data.length);
        const error = normwise(actual, expected.data);
        t.true(error <= TOLERANCE, `threads ${threads}: norm-wise error ${error}`);
      } finally {
        await model.dispose();
      }
    }
    const [one, two] = outputs;
    const differ = one.findIndex((value, i) => !Object.is(value, two[i]));
    t.is(differ, -1, 'bit-identical for 1 and 2 threads');
  });
}

const geometry = (channels: number, size: number): ConvGeometry => ({
  inChannels: channels,
  inHeight: size,
  inWidth: size,
  outChannels: channels,
  outHeight: size,
  outWidth: size,
  filterHeight: 3,
  filterWidth: 3,
  strideHeight: 1,
  strideWidth: 1,
  dilationHeight: 1,
  dilationWidth: 1,
  padTop: 1,
  padBottom: 1,
  padLeft: 1,
  padRight: 1,
  groups: 1,
  padMode: 'zeros',
});

test('cost model: F(4×4) for ResNet-18 on 56², 28² and 14², F(2×2) on 7², never im2col', (t) => {
  const pick = (channels: number, size: number) => {
    const g = geometry(channels, size);
    const costs = (['im2col', 'winograd2', 'winograd4'] as const).map(
      (lowering) => [lowering, loweringCost(g, lowering)] as const,
    );
    return costs.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
  };
  t.is(pick(64, 56), 'winograd4');
  t.is(pick(128, 28), 'winograd4');
  t.is(pick(256, 14), 'winograd4');
  // 7×7 is 4 tiles of F(4×4) in a panel of 8 columns, with 36/16 of F(2×2)'s weights.
  t.is(pick(512, 7), 'winograd2');
  // Padding panels count: at 7×7 F(4×4) computes 8 columns for 4 tiles.
  const g7 = geometry(512, 7);
  t.true(loweringCost(g7, 'winograd4') >= 36 * 512 * 8 * 512);
});

test('cost model in a build: 64 × 56² lowers to F(4×4), 512 × 7² to F(2×2)', async (t) => {
  const wide = await buildWasm('winograd4-choice-56', source([64, 56, 56], 'conv(64, 3, pad=1)'));
  t.true(wide.code.includes("'winograd4x4'"));
  t.false(wide.code.includes("'winograd3x3'"));
  const deep = await buildWasm('winograd4-choice-7', source([512, 7, 7], 'conv(512, 3, pad=1)'));
  t.true(deep.code.includes("'winograd3x3'"));
  t.false(deep.code.includes("'winograd4x4'"));
});

for (const lowering of ['winograd2', 'winograd4'] as const) {
  test.serial(`${lowering} past 2^24 floats: 16×32×32 → 16, batch 160`, async (t) => {
    // Per sample about 125 K floats of arena (input, output, padded input, transformed input and
    // products), so the last samples' addresses are past 2^24 floats from the first.
    const { code, module } = await buildForced(
      `winograd4-exact-${lowering}`,
      source([16, 32, 32], 'conv(16, 3, pad=1)'),
      lowering,
    );
    const net = await module.create({ threads: 2, workers: 'always' });
    try {
      net.loadWeights(randomWeights(module, 13));
      const batch = 160;
      const x = inputFor(batch * 16 * 32 * 32, 6);
      const y = await net.forward(x, batch);
      const arena = /arenaBytes: (\d+),/.exec(code.slice(code.search(/const wasmSpec\b/)));
      const arenaBytes = Number(arena?.[1]);
      t.true(((batch - 1) * arenaBytes) / 4 > 2 ** 24, `arena ${arenaBytes} bytes a sample`);
      const w = net.parameters().get('0.weight') as Float32Array;
      const b = net.parameters().get('0.bias') as Float32Array;
      // Every 97th output (all samples, channels, rows and columns) in float64.
      let diff = 0;
      let scale = 0;
      let picked = 0;
      for (let idx = 0; idx < y.length; idx += 97) {
        const ow = idx % 32;
        const oh = Math.floor(idx / 32) % 32;
        const co = Math.floor(idx / (32 * 32)) % 16;
        const n = Math.floor(idx / (32 * 32 * 16));
        let acc = b[co];
        for (let ci = 0; ci < 16; ci++)
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) {
              const ih = oh - 1 + kh;
              const iw = ow - 1 + kw;
              if (ih < 0 || ih >= 32 || iw < 0 || iw >= 32) continue;
              acc += x[((n * 16 + ci) * 32 + ih) * 32 + iw] * w[((co * 16 + ci) * 3 + kh) * 3 + kw];
            }
        diff = Math.max(diff, Math.abs(y[idx] - acc));
        scale = Math.max(scale, Math.abs(acc));
        picked++;
      }
      t.true(picked > 26000);
      t.true(diff / scale <= TOLERANCE, `norm-wise error ${diff / scale}`);
    } finally {
      await net.dispose();
    }
  });
}
