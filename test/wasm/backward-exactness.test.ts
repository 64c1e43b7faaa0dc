// The wasm target's register-blocked backward kernels past 2^24 elements: the stride-1 convolution
// gradients (compiler/emit/wasm/backward/conv-vector.ts, weight and input), the 2×2 max-pooling
// backward (backward/pool-vector.ts) and a GEMM whose output channels fill part of a tile (6 of 8:
// the vector epilogue of partial tiles), in a training step whose forward values alone pass 2^24
// floats, so the last samples' arena addresses are past what float32 index arithmetic reaches;
// then the same model with both convolutions' gradients as GEMMs (backward/conv-gemm.ts).
// Every parameter gradient is compared with the float64 formulas written out here.
import test, { type ExecutionContext } from 'ava';
import { gemmBackwardOptions } from '../../compiler/emit/wasm/backward/conv-gemm.js';
import { allclose } from '../../runtime/tensor.js';
import { buildTrain, seeded } from './build-train.js';

const N = 256;
const [H, W] = [128, 128];
const [h, w] = [H / 2, W / 2];
const [A, B] = [2, 6];

const SOURCE = `model M {
  input x: [1, ${H}, ${W}]
  conv(${A}, 1)
  maxpool(2)
  conv(${B}, 3, pad=1)
  output y
}
train M {
  loss = mse
  optimizer = sgd(lr=0)
  batch = ${N}
}
`;

async function pastExactness(t: ExecutionContext, name: string): Promise<void> {
  // Forward values per sample: x, conv, pool, conv.
  t.true(N * (H * W + A * H * W + A * h * w + B * h * w) > 2 ** 24);
  const { module } = await buildTrain(name, SOURCE);
  const net = await module.create({ threads: 2, seed: 5 });
  try {
    const names = [...net.parameters().keys()];
    const [wa, ba, wb, bb] = names.map((name) => net.parameters().get(name) as Float32Array);
    t.deepEqual(
      [wa.length, ba.length, wb.length, bb.length],
      [A, A, B * A * 9, B],
      names.join(', '),
    );
    const x = seeded(N * H * W, 7);
    const count = N * B * h * w;
    const targets = seeded(count, 8);

    // Forward in float64, keeping each pooled value's first maximum (PyTorch's choice).
    const a = new Float64Array(N * A * H * W);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < A; o++)
        for (let p = 0; p < H * W; p++)
          a[(n * A + o) * H * W + p] = wa[o] * x[n * H * W + p] + ba[o];
    const pooled = new Float64Array(N * A * h * w);
    const argmax = new Int32Array(N * A * h * w);
    for (let plane = 0; plane < N * A; plane++)
      for (let oh = 0; oh < h; oh++)
        for (let ow = 0; ow < w; ow++) {
          let best = -Infinity;
          let at = -1;
          for (const [dy, dx] of [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ]) {
            const idx = (plane * H + 2 * oh + dy) * W + 2 * ow + dx;
            if (a[idx] > best) [best, at] = [a[idx], idx];
          }
          pooled[(plane * h + oh) * w + ow] = best;
          argmax[(plane * h + oh) * w + ow] = at;
        }
    const p = (n: number, i: number, y: number, z: number) =>
      y < 0 || y >= h || z < 0 || z >= w ? 0 : pooled[((n * A + i) * h + y) * w + z];
    const wAt = (o: number, i: number, ky: number, kx: number) =>
      wb[((o * A + i) * 3 + ky) * 3 + kx];
    // dL/dy of mse, through the second convolution's forward.
    const dy = new Float64Array(count);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < B; o++)
        for (let y = 0; y < h; y++)
          for (let z = 0; z < w; z++) {
            let acc = bb[o];
            for (let i = 0; i < A; i++)
              for (let ky = 0; ky < 3; ky++)
                for (let kx = 0; kx < 3; kx++)
                  acc += wAt(o, i, ky, kx) * p(n, i, y + ky - 1, z + kx - 1);
            const idx = ((n * B + o) * h + y) * w + z;
            dy[idx] = (2 * (acc - targets[idx])) / count;
          }

    // Second convolution: weight and bias gradients, and the gradient of its input.
    const dwb = new Float64Array(B * A * 9);
    const dbb = new Float64Array(B);
    const dp = new Float64Array(N * A * h * w);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < B; o++)
        for (let y = 0; y < h; y++)
          for (let z = 0; z < w; z++) {
            const g = dy[((n * B + o) * h + y) * w + z];
            dbb[o] += g;
            for (let i = 0; i < A; i++)
              for (let ky = 0; ky < 3; ky++)
                for (let kx = 0; kx < 3; kx++) {
                  const [sy, sz] = [y + ky - 1, z + kx - 1];
                  if (sy < 0 || sy >= h || sz < 0 || sz >= w) continue;
                  dwb[((o * A + i) * 3 + ky) * 3 + kx] += g * p(n, i, sy, sz);
                  dp[((n * A + i) * h + sy) * w + sz] += g * wAt(o, i, ky, kx);
                }
          }
    // Max pooling routes each gradient to its first maximum; then the 1×1 convolution.
    const da = new Float64Array(a.length);
    for (let idx = 0; idx < dp.length; idx++) da[argmax[idx]] += dp[idx];
    const dwa = new Float64Array(A);
    const dba = new Float64Array(A);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < A; o++)
        for (let q = 0; q < H * W; q++) {
          const g = da[(n * A + o) * H * W + q];
          dwa[o] += g * x[n * H * W + q];
          dba[o] += g;
        }

    const step = await net.trainStep(x, targets, N, { gradients: true });
    const expected = [dwa, dba, dwb, dbb];
    names.forEach((name, idx) => {
      const actual = step.gradients?.get(name) ?? new Float32Array();
      const scale = Math.max(...expected[idx].map(Math.abs));
      const report = allclose(actual, expected[idx], 1e-3, 1e-4 * scale);
      t.true(report.ok, `${name}: ${report.message}`);
    });
  } finally {
    await net.dispose();
  }
}

// Serial: the second test lowers a compile-time threshold while it builds.
test.serial(
  `conv 1×1 → maxpool(2) → conv 3×3 pad 1 to ${B} channels, batch ${N}: gradients past 2^24 floats`,
  (t) => pastExactness(t, 'exact-backward-vector'),
);

test.serial(
  `the same with both convolutions' gradients as GEMMs (backward/conv-gemm.ts): past 2^24 floats`,
  async (t) => {
    const saved = { ...gemmBackwardOptions };
    Object.assign(gemmBackwardOptions, { minMacs: 0, overVector: true });
    try {
      await pastExactness(t, 'exact-backward-gemm');
    } finally {
      Object.assign(gemmBackwardOptions, saved);
    }
  },
);
