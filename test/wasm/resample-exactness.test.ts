// `upsample` and `groupnorm` on the wasm target past 2^24 elements, where float32 index arithmetic
// (gpu.js on webasm and WebGL) reads wrong elements: their kernels index in i32, so every sampled
// output (prime stride: all samples, channels, rows and columns) matches the float64 formula
// written out here, and so does a gradient flowing back through 2^24+ output gradients.
import test from 'ava';
import { allclose } from '../../runtime/tensor.js';
import { inputFor } from '../emit/build-helper.js';
import { randomWeights } from '../emit/weights.js';
import { buildTrain, seeded } from './build-train.js';
import { buildWasm } from './build-wasm.js';

const model = (input: string, layer: string) =>
  `model M {\n  input x: [${input}]\n  ${layer}\n  output y\n}\n`;

/** PyTorch's source index and λ along one dimension (align_corners=false), in float64. */
function taps(o: number, inSize: number, scale: number): [number, number, number] {
  const source = Math.max((o + 0.5) / scale - 0.5, 0);
  const lo = Math.floor(source);
  return [lo, Math.min(lo + 1, inSize - 1), source - lo];
}

for (const mode of ['nearest', 'bilinear'] as const)
  test(`upsample(2, mode=${mode}) of 16×256×256, batch 5: 20,971,520 output elements`, async (t) => {
    const { module } = await buildWasm(
      `exact-upsample-${mode}`,
      model('16, 256, 256', `upsample(2, mode=${mode})`),
    );
    const net = await module.create({ threads: 2 });
    try {
      const batch = 5;
      const [C, H, W] = [16, 256, 256];
      const x = inputFor(batch * C * H * W, 6);
      const y = await net.forward(x, batch);
      t.is(y.length, batch * C * 4 * H * W);
      t.true(y.length > 2 ** 24);
      const picked: number[] = [];
      const expected: number[] = [];
      for (let idx = 0; idx < y.length; idx += 997) {
        const ow = idx % (2 * W);
        const oh = Math.floor(idx / (2 * W)) % (2 * H);
        const plane = Math.floor(idx / (4 * H * W));
        const at = (h: number, w: number) => x[(plane * H + h) * W + w];
        if (mode === 'nearest') expected.push(at(oh >> 1, ow >> 1));
        else {
          const [h0, h1, lh] = taps(oh, H, 2);
          const [w0, w1, lw] = taps(ow, W, 2);
          expected.push(
            (1 - lh) * ((1 - lw) * at(h0, w0) + lw * at(h0, w1)) +
              lh * ((1 - lw) * at(h1, w0) + lw * at(h1, w1)),
          );
        }
        picked.push(y[idx]);
      }
      t.true(picked.length > 20000);
      const report = allclose(picked, expected, 1e-5, 1e-6);
      t.true(report.ok, report.message);
    } finally {
      await net.dispose();
    }
  });

test('groupnorm(4) of 8×512×512, batch 9: 18,874,368 elements', async (t) => {
  const { module } = await buildWasm('exact-groupnorm', model('8, 512, 512', 'groupnorm(4)'));
  const net = await module.create({ threads: 2 });
  try {
    net.loadWeights(randomWeights(module, 8));
    const batch = 9;
    const [C, S, G] = [8, 512 * 512, 4];
    const x = inputFor(batch * C * S, 7);
    const y = await net.forward(x, batch);
    t.true(y.length > 2 ** 24);
    const gamma = net.parameters().get('0.weight') as Float32Array;
    const beta = net.parameters().get('0.bias') as Float32Array;
    const size = (C / G) * S;
    const stats: [number, number][] = [];
    for (let k = 0; k < batch * G; k++) {
      let sum = 0;
      for (let i = 0; i < size; i++) sum += x[k * size + i];
      const mean = sum / size;
      let squares = 0;
      for (let i = 0; i < size; i++) squares += (x[k * size + i] - mean) ** 2;
      stats.push([mean, 1 / Math.sqrt(squares / size + 1e-5)]);
    }
    const picked: number[] = [];
    const expected: number[] = [];
    for (let idx = 0; idx < y.length; idx += 997) {
      const c = Math.floor(idx / S) % C;
      const [mean, invStd] = stats[Math.floor(idx / size)];
      picked.push(y[idx]);
      expected.push((x[idx] - mean) * invStd * gamma[c] + beta[c]);
    }
    const report = allclose(picked, expected, 1e-4, 1e-5);
    t.true(report.ok, report.message);
  } finally {
    await net.dispose();
  }
});

test('the gradient through upsample(2) of 16×256×256, batch 5 (20,971,520 output gradients)', async (t) => {
  // conv(16, 1) then upsample(2), trained on mse: the 1×1 weight's gradient is
  // Σ_{n,p} dZ[n,o,p]·x[n,i,p], where dZ sums each 2×2 block of the output gradient.
  const source = `${model('16, 256, 256', 'conv(16, 1)\n  upsample(2)')}train M {
  loss = mse
  optimizer = sgd(lr=0)
  batch = 5
}
`;
  const { module } = await buildTrain('exact-upsample-grad', source);
  const net = await module.create({ threads: 2, seed: 2 });
  try {
    const batch = 5;
    const [C, H, W] = [16, 256, 256];
    const S = H * W;
    const x = seeded(batch * C * S, 3);
    const weight = net.parameters().get('0.weight') as Float32Array;
    const bias = net.parameters().get('0.bias') as Float32Array;
    // The forward in float64: z = W·x + b per position, y = z repeated over 2×2 blocks.
    const z = new Float64Array(batch * C * S);
    for (let n = 0; n < batch; n++)
      for (let o = 0; o < C; o++) {
        const out = z.subarray((n * C + o) * S, (n * C + o + 1) * S);
        out.fill(bias[o]);
        for (let i = 0; i < C; i++) {
          const w = weight[o * C + i];
          const xs = x.subarray((n * C + i) * S, (n * C + i + 1) * S);
          for (let p = 0; p < S; p++) out[p] += w * xs[p];
        }
      }
    const count = batch * C * 4 * S;
    t.true(count > 2 ** 24);
    const targets = seeded(count, 4);
    // dZ[n,o,h,w] = Σ over its 2×2 block of 2·(z − target)/count.
    const dz = new Float64Array(batch * C * S);
    for (let plane = 0; plane < batch * C; plane++)
      for (let oh = 0; oh < 2 * H; oh++)
        for (let ow = 0; ow < 2 * W; ow++) {
          const p = plane * S + (oh >> 1) * W + (ow >> 1);
          const idx = (plane * 2 * H + oh) * 2 * W + ow;
          dz[p] += (2 * (z[p] - targets[idx])) / count;
        }
    const expected = new Float64Array(C * C);
    for (let n = 0; n < batch; n++)
      for (let o = 0; o < C; o++)
        for (let i = 0; i < C; i++) {
          let acc = 0;
          const ds = (n * C + o) * S;
          const xs = (n * C + i) * S;
          for (let p = 0; p < S; p++) acc += dz[ds + p] * x[xs + p];
          expected[o * C + i] += acc;
        }
    const step = await net.trainStep(x, targets, batch, { gradients: true });
    const actual = step.gradients?.get('0.weight') ?? new Float32Array();
    const report = allclose(actual, expected, 1e-3, 1e-7);
    t.true(report.ok, report.message);
  } finally {
    await net.dispose();
  }
});
