// Property: random layer configurations whose tensors straddle 2^24 values (the batch is chosen so
// that batch · values-per-sample lands just below, at, or just above 2^24, and for linear also the
// weight) agree with the float64 reference on the sample that holds flat index 2^24 and on the last
// sample. `npm test` runs a fixed seed; `CNNC_PROPERTY_SEED=random` (as `npm run fuzz` does) draws
// a fresh one and `CNNC_PROPERTY_SEED=n` replays a failure; `CNNC_PROPERTY_RUNS` sets the count.
import test from 'ava';
import fc from 'fast-check';
import { MAX_KERNEL_VALUES } from '../../runtime/exact.js';
import { add } from '../../runtime/kernels/add.js';
import { batchnorm } from '../../runtime/kernels/batchnorm.js';
import { concat } from '../../runtime/kernels/concat.js';
import { conv2d, type Conv2dDescriptor } from '../../runtime/kernels/conv2d.js';
import { conv2dIm2col } from '../../runtime/kernels/im2col.js';
import { linear } from '../../runtime/kernels/linear.js';
import { pool2d } from '../../runtime/kernels/pool2d.js';
import { allclose } from '../../runtime/tensor.js';
import * as ref from '../helpers/reference.js';
import { sharedBackend } from './support.js';

/** Runs per test: each run pushes about 2^24 values through a kernel (0.5–2 s on busy cores). */
const RUNS = Number(process.env.CNNC_PROPERTY_RUNS ?? 6);
const SEED = process.env.CNNC_PROPERTY_SEED ?? '20261201';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

const LIMIT = MAX_KERNEL_VALUES;
/** One pool of values in [-1, 1) that every run takes its tensors from (filling it costs ~0.2 s). */
const POOL = (() => {
  const values = new Float32Array(2 * LIMIT + 4096);
  let state = 12345;
  for (let idx = 0; idx < values.length; idx++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[idx] = state / 2 ** 31 - 1;
  }
  return values;
})();
const take = (offset: number, length: number) => {
  if (offset + length > POOL.length) throw new Error(`the test's pool has no ${length} values`);
  return POOL.subarray(offset, offset + length);
};

/** A batch putting `batch · perSample` just below, at or above 2^24 (`straddle` 0, 1 or 2). */
const batchFor = (perSample: number, straddle: number) =>
  Math.max(1, Math.floor(LIMIT / perSample) + straddle);

type Checked = { actual: Float32Array; expected: Float64Array; what: string };

interface ConvConfig {
  kind: 'conv';
  channels: number;
  size: number;
  out: number;
  filter: number;
  stride: number;
  pad: number;
  depthwise: boolean;
  lowering: 'direct' | 'im2col';
  straddle: number;
}
interface PoolConfig {
  kind: 'pool';
  pool: 'max' | 'avg';
  channels: number;
  size: number;
  filter: number;
  stride: number;
  pad: number;
  straddle: number;
}
interface LinearConfig {
  kind: 'linear';
  inFeatures: number;
  outFeatures: number;
  batch: number;
}
interface ElementwiseConfig {
  kind: 'batchnorm' | 'add' | 'concat';
  channels: number;
  spatial: number;
  straddle: number;
}
type Config = ConvConfig | PoolConfig | LinearConfig | ElementwiseConfig;

const straddle = fc.integer({ min: 0, max: 2 });
const config: fc.Arbitrary<Config> = fc.oneof(
  fc.record({
    kind: fc.constant('conv' as const),
    channels: fc.integer({ min: 1, max: 6 }),
    size: fc.integer({ min: 8, max: 160 }),
    out: fc.integer({ min: 1, max: 2 }),
    filter: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 3 }),
    pad: fc.integer({ min: 0, max: 1 }),
    depthwise: fc.boolean(),
    lowering: fc.constantFrom('direct' as const, 'im2col' as const),
    straddle,
  }),
  fc.record({
    kind: fc.constant('pool' as const),
    pool: fc.constantFrom('max' as const, 'avg' as const),
    channels: fc.integer({ min: 1, max: 64 }),
    size: fc.integer({ min: 4, max: 120 }),
    filter: fc.integer({ min: 2, max: 3 }),
    stride: fc.integer({ min: 1, max: 3 }),
    pad: fc.integer({ min: 0, max: 1 }),
    straddle,
  }),
  // Either the weight straddles 2^24 (a few samples) or the batch of inputs does (a few outputs).
  fc.oneof(
    fc
      .record({
        kind: fc.constant('linear' as const),
        inFeatures: fc.integer({ min: 2048, max: 8192 }),
        outFeatures: fc.integer({ min: -2, max: 2 }),
        batch: fc.integer({ min: 1, max: 2 }),
      })
      .map((c) => ({ ...c, outFeatures: Math.ceil(LIMIT / c.inFeatures) + c.outFeatures })),
    fc
      .record({
        kind: fc.constant('linear' as const),
        inFeatures: fc.integer({ min: 4096, max: 100_000 }),
        outFeatures: fc.integer({ min: 1, max: 3 }),
        batch: straddle,
      })
      .map((c) => ({ ...c, batch: batchFor(c.inFeatures, c.batch) })),
  ),
  fc.record({
    kind: fc.constantFrom('batchnorm' as const, 'add' as const, 'concat' as const),
    channels: fc.integer({ min: 1, max: 16 }),
    spatial: fc.integer({ min: 1, max: 40_000 }),
    straddle,
  }),
);

/** The samples checked: the one holding flat input index 2^24 (if any) and the last. */
const checkedSamples = (batch: number, perSample: number) => [
  ...new Set([Math.min(batch - 1, Math.floor(LIMIT / perSample)), batch - 1]),
];

async function runConv(c: ConvConfig): Promise<Checked[]> {
  const groups = c.depthwise ? c.channels : 1;
  const out = c.depthwise ? c.channels * c.out : c.out;
  const outSize = Math.floor((c.size + 2 * c.pad - c.filter) / c.stride) + 1;
  const desc: Conv2dDescriptor = {
    inChannels: c.channels,
    inHeight: c.size,
    inWidth: c.size,
    outChannels: out,
    outHeight: outSize,
    outWidth: outSize,
    filterHeight: c.filter,
    filterWidth: c.filter,
    strideHeight: c.stride,
    strideWidth: c.stride,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: c.pad,
    padBottom: c.pad,
    padLeft: c.pad,
    padRight: c.pad,
    groups,
    padMode: 'zeros',
  };
  const inShape = [c.channels, c.size, c.size];
  const perSample = c.channels * c.size * c.size;
  // The largest tensor straddles 2^24: im2col's column buffer (unless a stride makes the input
  // larger), or the input.
  const columns = c.channels * c.filter * c.filter * outSize * outSize;
  const batch = batchFor(
    Math.max(perSample, c.lowering === 'im2col' ? columns : 0, out * outSize * outSize),
    c.straddle,
  );
  const wShape = [out, c.channels / groups, c.filter, c.filter];
  const x = take(0, batch * perSample);
  const w = take(
    7,
    wShape.reduce((a, b) => a * b, 1),
  );
  const bias = take(11, out);
  const layer = (c.lowering === 'im2col' ? conv2dIm2col : conv2d)(backend.get(), desc);
  const y = await layer(x, w, bias, batch);
  const outPerSample = out * outSize * outSize;
  return checkedSamples(batch, perSample).map((n) => ({
    what: `sample ${n} of ${batch}`,
    actual: y.subarray(n * outPerSample, (n + 1) * outPerSample),
    expected: ref.convNd(
      ref.samplesOf(x, inShape, n),
      ref.tensor(w, wShape),
      ref.tensor(bias, [out]),
      {
        stride: [c.stride, c.stride],
        dilation: [1, 1],
        pads: [
          [c.pad, c.pad],
          [c.pad, c.pad],
        ],
        groups,
        padMode: 'zeros',
      },
    ).data,
  }));
}

async function runPool(c: PoolConfig): Promise<Checked[]> {
  const pad = Math.min(c.pad, Math.floor(c.filter / 2));
  const outSize = Math.floor((c.size + 2 * pad - c.filter) / c.stride) + 1;
  const perSample = c.channels * c.size * c.size;
  const batch = batchFor(perSample, c.straddle);
  const x = take(3, batch * perSample);
  const layer = pool2d(backend.get(), {
    kind: c.pool,
    channels: c.channels,
    inHeight: c.size,
    inWidth: c.size,
    outHeight: outSize,
    outWidth: outSize,
    kernelHeight: c.filter,
    kernelWidth: c.filter,
    strideHeight: c.stride,
    strideWidth: c.stride,
    padTop: pad,
    padBottom: pad,
    padLeft: pad,
    padRight: pad,
  });
  const y = await layer(x, batch);
  const outPerSample = c.channels * outSize * outSize;
  return checkedSamples(batch, perSample).map((n) => ({
    what: `sample ${n} of ${batch}`,
    actual: y.subarray(n * outPerSample, (n + 1) * outPerSample),
    expected: ref.pool2d(ref.samplesOf(x, [c.channels, c.size, c.size], n), {
      kind: c.pool,
      kernel: [c.filter, c.filter],
      stride: [c.stride, c.stride],
      pads: [
        [pad, pad],
        [pad, pad],
      ],
      ceil: false,
      countIncludePad: true,
      p: 2,
    }).data,
  }));
}

async function runLinear(c: LinearConfig): Promise<Checked[]> {
  const { inFeatures, outFeatures, batch } = c;
  const x = take(5, batch * inFeatures);
  const w = take(LIMIT - 3 * inFeatures, inFeatures * outFeatures);
  const y = await linear(backend.get(), { inFeatures, outFeatures })(x, w, null, batch);
  return checkedSamples(batch, inFeatures).map((n) => ({
    what: `sample ${n} of ${batch}`,
    actual: y.subarray(n * outFeatures, (n + 1) * outFeatures),
    expected: ref.linear(
      ref.samplesOf(x, [inFeatures], n),
      ref.tensor(w, [outFeatures, inFeatures]),
      null,
    ).data,
  }));
}

async function runElementwise(c: ElementwiseConfig): Promise<Checked[]> {
  const perSample = c.channels * c.spatial;
  const batch = batchFor(c.kind === 'concat' ? 2 * perSample : perSample, c.straddle);
  const a = take(1, batch * perSample);
  const b = take(2, batch * perSample);
  const shape = [c.channels, c.spatial];
  if (c.kind === 'add') {
    const y = await add(backend.get(), { features: perSample, inputs: 2 })(a, b, batch);
    return checkedSamples(batch, perSample).map((n) => ({
      what: `sample ${n} of ${batch}`,
      actual: y.subarray(n * perSample, (n + 1) * perSample),
      expected: Float64Array.from(
        { length: perSample },
        (_, i) => a[n * perSample + i] + b[n * perSample + i],
      ),
    }));
  }
  if (c.kind === 'concat') {
    const y = await concat(backend.get(), {
      channels: [c.channels, c.channels],
      spatial: c.spatial,
    })(a, b, batch);
    return checkedSamples(batch, 2 * perSample).map((n) => ({
      what: `sample ${n} of ${batch}`,
      actual: y.subarray(2 * n * perSample, 2 * (n + 1) * perSample),
      expected: ref.concat([ref.samplesOf(a, shape, n), ref.samplesOf(b, shape, n)]).data,
    }));
  }
  const gamma = take(9, c.channels);
  const beta = take(13, c.channels);
  const mean = take(17, c.channels);
  const variance = take(19, c.channels).map((v) => v + 1.5);
  const y = await batchnorm(backend.get(), { channels: c.channels, spatial: c.spatial })(
    a,
    gamma,
    beta,
    mean,
    variance,
    batch,
  );
  return checkedSamples(batch, perSample).map((n) => ({
    what: `sample ${n} of ${batch}`,
    actual: y.subarray(n * perSample, (n + 1) * perSample),
    expected: ref.batchnorm(
      ref.samplesOf(a, shape, n),
      [...gamma],
      [...beta],
      [...mean],
      [...variance],
      1e-5,
    ).data,
  }));
}

function run(c: Config): Promise<Checked[]> {
  if (c.kind === 'conv') return runConv(c);
  if (c.kind === 'pool') return runPool(c);
  if (c.kind === 'linear') return runLinear(c);
  return runElementwise(c);
}

test('random layers whose tensors straddle 2^24 values match the float64 reference', async (t) => {
  const kinds: string[] = [];
  const property = fc.asyncProperty(config, async (c) => {
    kinds.push(c.kind);
    for (const check of await run(c)) {
      // Linear rows sum up to 10^5 products: float32 rounding grows with the length.
      const atol = c.kind === 'linear' ? 1e-5 * Math.sqrt(c.inFeatures) * 10 : 1e-5;
      const report = allclose(check.actual, check.expected, 1e-4, atol);
      if (!report.ok) throw new Error(`${JSON.stringify(c)}, ${check.what}: ${report.message}`);
    }
  });
  await fc.assert(property, {
    numRuns: RUNS,
    endOnFailure: true,
    verbose: 1,
    ...(SEED === 'random' ? {} : { seed: Number(SEED) }),
  });
  t.log(`configurations: ${kinds.join(', ')}`);
  t.is(kinds.length, RUNS);
});
