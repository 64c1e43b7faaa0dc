// Backward kernels past 2^24 values (see large-tensors.test.ts for the forward): gradients of
// linear (a weight of more than 2^24 values, and a batch whose input passes 2^24), direct and
// depthwise convolution, max pooling, training-mode batchnorm, add and concat, each compared with
// float64 references on the samples whose indices pass 2^24 and on every reduction over the batch.
// Weight gradients sum millions of float32 products, so they are compared by max-norm relative
// error (a wrongly indexed read gives errors of order 1).
import test from 'ava';
import { MAX_KERNEL_VALUES } from '../../runtime/exact.js';
import { addGrad } from '../../runtime/gradients/add.grad.js';
import { batchnormGrad, batchnormTrain } from '../../runtime/gradients/batchnorm.grad.js';
import { concatGrad } from '../../runtime/gradients/concat.grad.js';
import { conv2dGrad } from '../../runtime/gradients/conv2d.grad.js';
import { linearGrad } from '../../runtime/gradients/linear.grad.js';
import { pool2dGrad } from '../../runtime/gradients/pool2d.grad.js';
import type { Conv2dDescriptor } from '../../runtime/kernels/conv2d.js';
import { relativeError } from '../helpers/reference-grad.js';
import * as ref from '../helpers/reference.js';
import { randomTensor, sharedBackend } from './support.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

/** Max-norm relative error allowed: float32 sums of up to millions of terms against float64. */
const TOLERANCE = 2e-4;

const sample = (data: Float32Array, perSample: number, n: number) =>
  data.subarray(n * perSample, (n + 1) * perSample);

function expectClose(
  t: import('ava').ExecutionContext,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
): void {
  const error = relativeError(actual, expected);
  t.true(error < TOLERANCE, `${what}: relative error ${error}`);
}

test.serial('linear gradient with a 4096×4097 weight (more than 2^24 values)', async (t) => {
  const [inF, outF, batch] = [4097, 4096, 2];
  t.true(inF * outF > MAX_KERNEL_VALUES);
  const x = randomTensor('lg-x', batch * inF);
  const w = randomTensor('lg-w', inF * outF);
  const b = randomTensor('lg-b', outF);
  const gy = randomTensor('lg-gy', batch * outF);
  const grads = await linearGrad(backend.get(), { inFeatures: inF, outFeatures: outF })(
    gy,
    { input: x, weight: w, bias: b },
    batch,
  );
  // dW[o][i] = Σ_n gy[n][o]·x[n][i]: the first and last rows (the last lies past 2^24) in full.
  for (const o of [0, outF - 1]) {
    const expected = Float64Array.from({ length: inF }, (_, i) => {
      let acc = 0;
      for (let n = 0; n < batch; n++) acc += gy[n * outF + o] * x[n * inF + i];
      return acc;
    });
    expectClose(t, grads.weight.subarray(o * inF, (o + 1) * inF), expected, `weight row ${o}`);
  }
  // dx[n][i] = Σ_o gy[n][o]·W[o][i], every value.
  const dx = new Float64Array(batch * inF);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < outF; o++) {
      const g = gy[n * outF + o];
      for (let i = 0; i < inF; i++) dx[n * inF + i] += g * w[o * inF + i];
    }
  expectClose(t, grads.input ?? [], dx, 'input');
  const db = Float64Array.from({ length: outF }, (_, o) => gy[o] + gy[outF + o]);
  expectClose(t, grads.bias ?? [], db, 'bias');
});

test.serial('linear gradient over a batch whose input passes 2^24 values', async (t) => {
  const [inF, outF, batch] = [65_536, 3, 257];
  t.true(batch * inF > MAX_KERNEL_VALUES);
  const x = randomTensor('lb-x', batch * inF);
  const w = randomTensor('lb-w', inF * outF);
  const gy = randomTensor('lb-gy', batch * outF);
  const grads = await linearGrad(backend.get(), { inFeatures: inF, outFeatures: outF })(
    gy,
    { input: x, weight: w, bias: null },
    batch,
  );
  const dw = new Float64Array(outF * inF);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < outF; o++) {
      const g = gy[n * outF + o];
      for (let i = 0; i < inF; i++) dw[o * inF + i] += g * x[n * inF + i];
    }
  expectClose(t, grads.weight, dw, 'weight');
  const last = batch - 1;
  const dx = Float64Array.from({ length: inF }, (_, i) => {
    let acc = 0;
    for (let o = 0; o < outF; o++) acc += gy[last * outF + o] * w[o * inF + i];
    return acc;
  });
  expectClose(t, sample(grads.input ?? new Float32Array(), inF, last), dx, 'input');
});

function strided(channels: number, size: number, outChannels: number, groups: number) {
  const half = size / 2;
  const desc: Conv2dDescriptor = {
    inChannels: channels,
    inHeight: size,
    inWidth: size,
    outChannels,
    outHeight: half,
    outWidth: half,
    filterHeight: 2,
    filterWidth: 2,
    strideHeight: 2,
    strideWidth: 2,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    groups,
    padMode: 'zeros',
  };
  return desc;
}

for (const [name, desc, batch] of [
  ['conv', strided(2, 1024, 1, 1), 9],
  ['depthwise conv', strided(4, 1024, 4, 4), 5],
] as const) {
  test.serial(`${name} gradient over an input of more than 2^24 values`, async (t) => {
    const inShape = [desc.inChannels, desc.inHeight, desc.inWidth];
    const outShape = [desc.outChannels, desc.outHeight, desc.outWidth];
    const wShape = [desc.outChannels, desc.inChannels / desc.groups, 2, 2];
    const inSize = inShape[0] * inShape[1] * inShape[2];
    const outSize = outShape[0] * outShape[1] * outShape[2];
    t.true(batch * inSize > MAX_KERNEL_VALUES);
    const x = randomTensor(`cg-x-${name}`, batch * inSize);
    const w = randomTensor(
      `cg-w-${name}`,
      wShape.reduce((a, b) => a * b, 1),
    );
    const bias = randomTensor(`cg-b-${name}`, desc.outChannels);
    const gy = randomTensor(`cg-gy-${name}`, batch * outSize);
    const grads = await conv2dGrad(backend.get(), desc)(gy, { input: x, weight: w, bias }, batch);
    const weight = new Float64Array(w.length);
    const db = new Float64Array(desc.outChannels);
    const opts = { stride: [2, 2] as [number, number], pads: [0, 0] as [number, number] };
    for (let n = 0; n < batch; n++) {
      const part = ref.conv2dBackward(
        ref.samplesOf(x, inShape, n),
        ref.tensor(w, wShape),
        ref.samplesOf(gy, outShape, n),
        { ...opts, groups: desc.groups },
      );
      part.weight.data.forEach((v, idx) => (weight[idx] += v));
      const gySample = sample(gy, outSize, n);
      gySample.forEach((v, idx) => (db[Math.floor(idx / (outSize / desc.outChannels))] += v));
      if (n === batch - 1) {
        expectClose(
          t,
          sample(grads.input ?? new Float32Array(), inSize, n),
          part.input.data,
          'input',
        );
      }
    }
    expectClose(t, grads.weight, weight, 'weight');
    expectClose(t, grads.bias ?? [], db, 'bias');
  });
}

test.serial('maxpool(2) gradient on [64, 112, 112] at batch 24', async (t) => {
  const [channels, height, width, batch] = [64, 112, 112, 24];
  const inSize = channels * height * width;
  const outSize = inSize / 4;
  const x = randomTensor('pg-x', batch * inSize);
  const gy = randomTensor('pg-gy', batch * outSize);
  const grads = await pool2dGrad(backend.get(), {
    kind: 'max',
    channels,
    inHeight: height,
    inWidth: width,
    outHeight: height / 2,
    outWidth: width / 2,
    kernelHeight: 2,
    kernelWidth: 2,
    strideHeight: 2,
    strideWidth: 2,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
  })(gy, { input: x }, batch);
  // Each window's gradient goes to its first maximum in scan order (PyTorch's tie rule).
  const last = batch - 1;
  const xs = sample(x, inSize, last);
  const gys = sample(gy, outSize, last);
  const expected = new Float64Array(inSize);
  const [oh, ow] = [height / 2, width / 2];
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let where = -1;
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++) {
            const at = (c * height + 2 * i + a) * width + 2 * j + b;
            if (xs[at] > best) [best, where] = [xs[at], at];
          }
        expected[where] += gys[(c * oh + i) * ow + j];
      }
  expectClose(t, sample(grads.input, inSize, last), expected, 'input');
});

const [C, H, W, BATCH] = [8, 128, 128, 129];
const PER_SAMPLE = C * H * W;

test.serial('training batchnorm and its gradient over more than 2^24 values', async (t) => {
  t.true(BATCH * PER_SAMPLE > MAX_KERNEL_VALUES);
  const spatial = H * W;
  // Channel c is centred on c/2, so a read from the wrong channel shifts its statistics.
  const x = randomTensor('bng-x', BATCH * PER_SAMPLE).map(
    (v, idx) => v + (Math.floor(idx / spatial) % C) / 2,
  );
  const gamma = randomTensor('bng-gamma', C);
  const beta = randomTensor('bng-beta', C);
  const gy = randomTensor('bng-gy', BATCH * PER_SAMPLE);
  const desc = { channels: C, spatial };
  const forward = await batchnormTrain(backend.get(), desc)(
    x,
    gamma,
    beta,
    new Float32Array(C),
    new Float32Array(C).fill(1),
    BATCH,
  );
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const count = BATCH * spatial;
  x.forEach((v, idx) => (mean[Math.floor(idx / spatial) % C] += v));
  mean.forEach((_, c) => (mean[c] /= count));
  x.forEach(
    (v, idx) =>
      (variance[Math.floor(idx / spatial) % C] += (v - mean[Math.floor(idx / spatial) % C]) ** 2),
  );
  variance.forEach((_, c) => (variance[c] /= count));
  // Float32 sums of 2 million values per channel: about 4e-4 relative noise in the variance.
  t.true(relativeError(forward.mean, mean) < 1e-3, 'batch mean');
  t.true(relativeError(forward.variance, variance) < 1e-3, 'batch variance');
  const grads = await batchnormGrad(backend.get(), desc)(
    gy,
    { input: x, gamma, beta, mean: forward.mean, variance: forward.variance },
    BATCH,
  );
  // dβ = Σ g, dγ = Σ g·x̂, dx = γ/(M·σ)·(M·g − Σg − x̂·Σ(g·x̂)), in float64 from the statistics
  // the backward was given (the forward's).
  const invStd = Array.from(forward.variance, (v) => 1 / Math.sqrt(v + 1e-5));
  mean.set(forward.mean);
  const sumG = new Float64Array(C);
  const sumGX = new Float64Array(C);
  gy.forEach((g, idx) => {
    const c = Math.floor(idx / spatial) % C;
    sumG[c] += g;
    sumGX[c] += g * (x[idx] - mean[c]) * invStd[c];
  });
  expectClose(t, grads.beta ?? [], sumG, 'beta');
  expectClose(t, grads.gamma ?? [], sumGX, 'gamma');
  const last = BATCH - 1;
  const dx = Float64Array.from({ length: PER_SAMPLE }, (_, within) => {
    const idx = last * PER_SAMPLE + within;
    const c = Math.floor(within / spatial);
    const xhat = (x[idx] - mean[c]) * invStd[c];
    return ((gamma[c] * invStd[c]) / count) * (count * gy[idx] - sumG[c] - xhat * sumGX[c]);
  });
  expectClose(t, sample(grads.input, PER_SAMPLE, last), dx, 'input');
});

test.serial('add (with relu) and concat gradients over more than 2^24 values', async (t) => {
  const a = randomTensor('ag-a', BATCH * PER_SAMPLE);
  const b = randomTensor('ag-b', BATCH * PER_SAMPLE);
  const gy = randomTensor('ag-gy', BATCH * PER_SAMPLE);
  const last = BATCH - 1;
  const added = await addGrad(backend.get(), {
    features: PER_SAMPLE,
    inputs: 2,
    activation: { kind: 'relu' },
  })(gy, { inputs: [a, b] }, BATCH);
  const expected = Float64Array.from(sample(gy, PER_SAMPLE, last), (g, i) =>
    sample(a, PER_SAMPLE, last)[i] + sample(b, PER_SAMPLE, last)[i] > 0 ? g : 0,
  );
  expectClose(t, sample(added.inputs[1], PER_SAMPLE, last), expected, 'add input');
  const joined = randomTensor('cg-gy', 2 * BATCH * PER_SAMPLE);
  const parts = await concatGrad(backend.get(), { channels: [C, C], spatial: H * W })(
    joined,
    {},
    BATCH,
  );
  const row = sample(joined, 2 * PER_SAMPLE, last);
  expectClose(t, sample(parts.inputs[0], PER_SAMPLE, last), row.subarray(0, PER_SAMPLE), 'first');
  expectClose(t, sample(parts.inputs[1], PER_SAMPLE, last), row.subarray(PER_SAMPLE), 'second');
});
