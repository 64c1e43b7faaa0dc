// Index arithmetic on the wasm target is integer (i32 byte addresses): results stay exact past
// 2^24 elements, where float32 index arithmetic (gpu.js on webasm and WebGL) reads wrong elements.
// Each case is checked against float64 formulas written out here.
import test from 'ava';
import { allclose } from '../../runtime/tensor.js';
import { inputFor } from '../emit/build-helper.js';
import { randomWeights } from '../emit/weights.js';
import { buildWasm } from './build-wasm.js';
import { forceConvLowering } from '../../compiler/emit/wasm/winograd.js';

// The Winograd case below is F(2×2) (its staging crosses 2^24 floats at batch 100, and it meets
// the 1e-4/1e-5 element-wise tolerance); F(4×4) past 2^24 is in winograd4.test.ts.
forceConvLowering('winograd2');

const model = (input: string, layer: string) =>
  `model M {\n  input x: [${input}]\n  ${layer}\n  output y\n}\n`;

test('linear [4097] → 4096: a weight of 16,781,312 elements', async (t) => {
  const { module } = await buildWasm('exact-linear', model('4097', 'linear(4096)'));
  const net = await module.create({ threads: 2 });
  try {
    net.loadWeights(randomWeights(module, 11));
    const batch = 2;
    const x = inputFor(batch * 4097, 3);
    const y = await net.forward(x, batch);
    const w = net.parameters().get('0.weight') as Float32Array;
    const b = net.parameters().get('0.bias') as Float32Array;
    t.true(w.length > 2 ** 24);
    const expected = new Float64Array(batch * 4096);
    for (let n = 0; n < batch; n++)
      for (let o = 0; o < 4096; o++) {
        let acc = b[o];
        for (let i = 0; i < 4097; i++) acc += x[n * 4097 + i] * w[o * 4097 + i];
        expected[n * 4096 + o] = acc;
      }
    const report = allclose(y, expected, 1e-4, 1e-4);
    t.true(report.ok, report.message);
  } finally {
    await net.dispose();
  }
});

test('conv 3×224×224 → 64, 7×7 stride 2 pad 3, batch 10', async (t) => {
  const { module } = await buildWasm(
    'exact-conv',
    model('3, 224, 224', 'conv(64, 7, stride=2, pad=3)'),
  );
  const net = await module.create({ threads: 2 });
  try {
    net.loadWeights(randomWeights(module, 12));
    const batch = 10;
    const x = inputFor(batch * 3 * 224 * 224, 4);
    const y = await net.forward(x, batch);
    t.is(y.length, batch * 64 * 112 * 112);
    const w = net.parameters().get('0.weight') as Float32Array;
    const b = net.parameters().get('0.bias') as Float32Array;
    // Every 997th output (prime stride: all samples, channels, rows and columns), in float64.
    const picked: number[] = [];
    const expected: number[] = [];
    for (let idx = 0; idx < y.length; idx += 997) {
      const ow = idx % 112;
      const oh = Math.floor(idx / 112) % 112;
      const co = Math.floor(idx / (112 * 112)) % 64;
      const n = Math.floor(idx / (112 * 112 * 64));
      let acc = b[co];
      for (let ci = 0; ci < 3; ci++)
        for (let kh = 0; kh < 7; kh++)
          for (let kw = 0; kw < 7; kw++) {
            const ih = oh * 2 - 3 + kh;
            const iw = ow * 2 - 3 + kw;
            if (ih < 0 || ih >= 224 || iw < 0 || iw >= 224) continue;
            acc += x[((n * 3 + ci) * 224 + ih) * 224 + iw] * w[((co * 3 + ci) * 7 + kh) * 7 + kw];
          }
      picked.push(y[idx]);
      expected.push(acc);
    }
    t.true(picked.length > 8000);
    const report = allclose(picked, expected, 1e-4, 1e-5);
    t.true(report.ok, report.message);
  } finally {
    await net.dispose();
  }
});

test('maxpool 3×3 stride 2 on 64×112×112, batch 24: 19,267,584 input elements', async (t) => {
  const { module } = await buildWasm(
    'exact-pool',
    model('64, 112, 112', 'maxpool(3, stride=2, pad=1)'),
  );
  const net = await module.create({ threads: 2 });
  try {
    const batch = 24;
    const x = inputFor(batch * 64 * 112 * 112, 5);
    t.true(x.length > 2 ** 24);
    const y = await net.forward(x, batch);
    const expected = new Float64Array(batch * 64 * 56 * 56);
    let idx = 0;
    for (let plane = 0; plane < batch * 64; plane++)
      for (let oh = 0; oh < 56; oh++)
        for (let ow = 0; ow < 56; ow++) {
          let best = -Infinity;
          for (let h = oh * 2 - 1; h <= oh * 2 + 1; h++)
            for (let w = ow * 2 - 1; w <= ow * 2 + 1; w++)
              if (h >= 0 && h < 112 && w >= 0 && w < 112)
                best = Math.max(best, x[(plane * 112 + h) * 112 + w]);
          expected[idx++] = best;
        }
    // A maximum is one of its inputs: the values must be equal, not just close.
    t.is(y.length, expected.length);
    const wrong = y.findIndex((value, i) => value !== expected[i]);
    t.is(wrong, -1, wrong >= 0 ? `element ${wrong}: ${y[wrong]} ≠ ${expected[wrong]}` : '');
  } finally {
    await net.dispose();
  }
});

test('Winograd conv 16×32×32 → 16, 3×3 pad 1, batch 100: 18 M floats of arena', async (t) => {
  // Per sample: input and output 16 K floats each, the padded copy, the transformed input and the
  // products 64 K floats each (Winograd's staging): about 180 K floats, so the last samples'
  // addresses are past 2^24 floats (64 MiB) from the first.
  const { module } = await buildWasm('exact-winograd', model('16, 32, 32', 'conv(16, 3, pad=1)'));
  const net = await module.create({ threads: 2 });
  try {
    net.loadWeights(randomWeights(module, 13));
    const batch = 100;
    const x = inputFor(batch * 16 * 32 * 32, 6);
    net.profile(true);
    const y = await net.forward(x, batch);
    t.true(
      [...net.profile(false).keys()].some((name) => name.endsWith('_p2')),
      'runs as Winograd',
    );
    t.is(y.length, batch * 16 * 32 * 32);
    const w = net.parameters().get('0.weight') as Float32Array;
    const b = net.parameters().get('0.bias') as Float32Array;
    // Every 97th output (prime stride: all samples, channels, rows and columns), in float64.
    const picked: number[] = [];
    const expected: number[] = [];
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
      picked.push(y[idx]);
      expected.push(acc);
    }
    t.true(picked.length > 16000);
    const report = allclose(picked, expected, 1e-4, 1e-5);
    t.true(report.ok, report.message);
  } finally {
    await net.dispose();
  }
});
