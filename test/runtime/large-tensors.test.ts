// Kernels past 2^24 values: gpu.js computes flat indices in float32 on webasm (and in WebGL), so
// without the runtime's exact launches (runtime/exact.ts) a tensor of more than 16,777,216 values is
// read at wrong positions with no error. Each case builds tensors that cross 2^24 and compares the
// samples whose indices pass it (and the first) with the float64 reference. The sizes are chosen
// so that few multiply-adds run (strided or small filters, few output channels).
import test, { type ExecutionContext } from 'ava';
import { conv2d, type Conv2dDescriptor } from '../../runtime/kernels/conv2d.js';
import { conv2dIm2col } from '../../runtime/kernels/im2col.js';
import { linear } from '../../runtime/kernels/linear.js';
import { pool2d } from '../../runtime/kernels/pool2d.js';
import { batchnorm } from '../../runtime/kernels/batchnorm.js';
import { add } from '../../runtime/kernels/add.js';
import { concat } from '../../runtime/kernels/concat.js';
import { normalize } from '../../runtime/kernels/normalize.js';
import { upsample } from '../../runtime/kernels/upsample.js';
import { groupnorm } from '../../runtime/kernels/groupnorm.js';
import { createBackend } from '../../runtime/backend.js';
import { MAX_KERNEL_VALUES } from '../../runtime/exact.js';
import { stageArguments, toFloat32, type LayerKernel } from '../../runtime/layer.js';
import { allclose } from '../../runtime/tensor.js';
import * as ref from '../helpers/reference.js';
import { assertClose, randomTensor, sharedBackend } from './support.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The output of sample `n` of a flat `[batch, …]` result with `perSample` values per sample. */
const sampleOut = (data: Float32Array, perSample: number, n: number) =>
  data.subarray(n * perSample, (n + 1) * perSample);

function convDesc(
  inShape: [number, number, number],
  outChannels: number,
  filter: number,
  stride: number,
  pad: number,
  groups = 1,
): Conv2dDescriptor {
  const [inChannels, inHeight, inWidth] = inShape;
  const out = (n: number) => Math.floor((n + 2 * pad - filter) / stride) + 1;
  return {
    inChannels,
    inHeight,
    inWidth,
    outChannels,
    outHeight: out(inHeight),
    outWidth: out(inWidth),
    filterHeight: filter,
    filterWidth: filter,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: pad,
    padBottom: pad,
    padLeft: pad,
    padRight: pad,
    groups,
    padMode: 'zeros',
  };
}

/** Runs a convolution and checks its first and last samples against the float64 reference. */
async function checkConv(
  t: ExecutionContext,
  kind: 'direct' | 'im2col',
  desc: Conv2dDescriptor,
  batch: number,
): Promise<void> {
  const inShape = [desc.inChannels, desc.inHeight, desc.inWidth];
  const wShape = [
    desc.outChannels,
    desc.inChannels / desc.groups,
    desc.filterHeight,
    desc.filterWidth,
  ];
  const x = randomTensor(`conv-x-${kind}`, batch * size(inShape));
  const w = randomTensor(`conv-w-${kind}`, size(wShape));
  const b = randomTensor(`conv-b-${kind}`, desc.outChannels);
  const factory = kind === 'direct' ? conv2d : conv2dIm2col;
  const layer = factory(backend.get(), desc);
  const out = await layer(x, w, b, batch);
  const perSample = desc.outChannels * desc.outHeight * desc.outWidth;
  t.is(out.length, batch * perSample);
  for (const n of [0, batch - 1]) {
    const expected = ref.convNd(
      ref.samplesOf(x, inShape, n),
      ref.tensor(w, wShape),
      ref.tensor(b, [desc.outChannels]),
      {
        stride: [desc.strideHeight, desc.strideWidth],
        dilation: [1, 1],
        pads: [
          [desc.padTop, desc.padBottom],
          [desc.padLeft, desc.padRight],
        ],
        groups: desc.groups,
        padMode: 'zeros',
      },
    );
    assertClose(t, sampleOut(out, perSample, n), expected.data);
  }
}

test.serial('linear 4097 → 4096: a weight of more than 2^24 values', async (t) => {
  const [inF, outF] = [4097, 4096];
  t.true(inF * outF > MAX_KERNEL_VALUES);
  const x = randomTensor('linear-x', inF);
  const w = randomTensor('linear-w', inF * outF);
  const b = randomTensor('linear-b', outF);
  const out = await linear(backend.get(), { inFeatures: inF, outFeatures: outF })(x, w, b, 1);
  const expected = ref.linear(
    ref.tensor(x, [1, inF]),
    ref.tensor(w, [outF, inF]),
    ref.tensor(b, [outF]),
  );
  // Sums of 4097 products of values in [-1, 1) carry float32 rounding of about 1e-4 (the outputs
  // are around ±20); a wrongly indexed weight gives errors of order 1.
  assertClose(t, out, expected.data, 1e-4, 1e-3);
});

test.serial('linear over a batch whose input passes 2^24 values', async (t) => {
  const [inF, outF, batch] = [65_536, 3, 257];
  t.true(batch * inF > MAX_KERNEL_VALUES);
  const x = randomTensor('linear-batch-x', batch * inF);
  const w = randomTensor('linear-batch-w', inF * outF);
  const out = await linear(backend.get(), { inFeatures: inF, outFeatures: outF })(
    x,
    w,
    null,
    batch,
  );
  for (const n of [0, batch - 1]) {
    const expected = ref.linear(ref.samplesOf(x, [inF], n), ref.tensor(w, [outF, inF]), null);
    assertClose(t, sampleOut(out, outF, n), expected.data);
  }
});

test.serial('conv, im2col: a column buffer of more than 2^24 values', async (t) => {
  const desc = convDesc([16, 64, 64], 2, 3, 1, 1);
  const batch = 29;
  t.true(batch * 16 * 9 * 64 * 64 > MAX_KERNEL_VALUES);
  await checkConv(t, 'im2col', desc, batch);
});

test.serial('conv, direct: an input of more than 2^24 values', async (t) => {
  const desc = convDesc([2, 1024, 1024], 1, 2, 2, 0);
  const batch = 9;
  t.true(batch * 2 * 1024 * 1024 > MAX_KERNEL_VALUES);
  await checkConv(t, 'direct', desc, batch);
});

test.serial('depthwise conv (groups = channels) over more than 2^24 values', async (t) => {
  const desc = convDesc([4, 1024, 1024], 4, 2, 2, 0, 4);
  const batch = 5;
  t.true(batch * 4 * 1024 * 1024 > MAX_KERNEL_VALUES);
  await checkConv(t, 'direct', desc, batch);
  await checkConv(t, 'im2col', desc, batch);
});

test.serial('maxpool(2) on [64, 112, 112] at batch 24 (the issue)', async (t) => {
  const [channels, height, width, batch] = [64, 112, 112, 24];
  t.true(batch * channels * height * width > MAX_KERNEL_VALUES);
  const x = randomTensor('maxpool-x', batch * channels * height * width);
  const layer = pool2d(backend.get(), {
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
  });
  const out = await layer(x, batch);
  const perSample = (channels * height * width) / 4;
  for (const n of [0, batch - 1]) {
    const expected = ref.pool2d(ref.samplesOf(x, [channels, height, width], n), {
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
    });
    assertClose(t, sampleOut(out, perSample, n), expected.data);
  }
});

const [C, H, W, BATCH] = [8, 128, 128, 129];
const PER_SAMPLE = C * H * W;

test.serial('batchnorm over more than 2^24 values', async (t) => {
  t.true(BATCH * PER_SAMPLE > MAX_KERNEL_VALUES);
  const x = randomTensor('bn-x', BATCH * PER_SAMPLE);
  const gamma = randomTensor('bn-gamma', C);
  const beta = randomTensor('bn-beta', C);
  const mean = randomTensor('bn-mean', C);
  const variance = randomTensor('bn-var', C).map((v) => v + 1.5);
  const out = await batchnorm(backend.get(), { channels: C, spatial: H * W })(
    x,
    gamma,
    beta,
    mean,
    variance,
    BATCH,
  );
  const expected = ref.batchnorm(
    ref.samplesOf(x, [C, H, W], BATCH - 1),
    [...gamma],
    [...beta],
    [...mean],
    [...variance],
    1e-5,
  );
  assertClose(t, sampleOut(out, PER_SAMPLE, BATCH - 1), expected.data);
});

test.serial('add and concat over more than 2^24 values', async (t) => {
  const a = randomTensor('add-a', BATCH * PER_SAMPLE);
  const b = randomTensor('add-b', BATCH * PER_SAMPLE);
  const sum = await add(backend.get(), { features: PER_SAMPLE, inputs: 2 })(a, b, BATCH);
  const last = BATCH - 1;
  const expectedSum = Float64Array.from(
    sampleOut(a, PER_SAMPLE, last),
    (v, i) => v + sampleOut(b, PER_SAMPLE, last)[i],
  );
  assertClose(t, sampleOut(sum, PER_SAMPLE, last), expectedSum);
  const joined = await concat(backend.get(), { channels: [C, C], spatial: H * W })(a, b, BATCH);
  t.is(joined.length, 2 * BATCH * PER_SAMPLE);
  const expected = ref.concat([
    ref.samplesOf(a, [C, H, W], last),
    ref.samplesOf(b, [C, H, W], last),
  ]);
  assertClose(t, sampleOut(joined, 2 * PER_SAMPLE, last), expected.data);
});

// The layers added since (normalize, upsample, groupnorm): each output crosses 2^24 values, and
// the last sample, whose flat indices are all at or past 2^24 (128 samples of 2^17 values before
// it), is checked against the float64 reference.

/** One layer past 2^24 values: its split run, its one-launch run, the reference of its last sample. */
interface LargeCase {
  name: string;
  run: () => Promise<Float32Array>;
  oneLaunch: () => Promise<Float32Array>;
  expectedLast: () => ArrayLike<number>;
  /** Group statistics sum 32,768 float32 values (about 1e-5 relative rounding). */
  atol?: number;
}

function largeCase<Inputs extends readonly (Float32Array | null)[]>(
  name: string,
  layer: LayerKernel<Inputs>,
  inputs: NoInfer<Inputs>,
  expectedLast: () => ArrayLike<number>,
  atol?: number,
): LargeCase {
  // The layer's stages for the whole batch, launched once each, as a kernel without the split.
  const oneLaunch = async () => {
    const resolved = layer.resolveInputs(inputs);
    let out: Float32Array | undefined;
    for (const stage of layer.stages(BATCH))
      out = toFloat32(await stage.kernel(...stageArguments(stage, resolved, out)));
    return out as Float32Array;
  };
  return { name, run: () => layer(...inputs, BATCH), oneLaunch, expectedLast, atol };
}

const LAST = BATCH - 1;
const upsampleModes = [
  ['nearest', false],
  ['bilinear', false],
  ['bilinear', true],
] as const;

function largeCases(): LargeCase[] {
  const x = randomTensor('layers-x', BATCH * PER_SAMPLE);
  const xLast = () => ref.samplesOf(x, [C, H, W], LAST);
  const perChannel = (label: string) => randomTensor(label, C);
  const mean = perChannel('normalize-mean');
  const std = perChannel('normalize-std').map((v) => v + 1.5);
  const gamma = perChannel('groupnorm-gamma');
  const beta = perChannel('groupnorm-beta');
  // upsample(2) of [8, 64, 64]: 2^17 output values per sample, as above.
  const [inH, inW] = [H / 2, W / 2];
  const small = x.subarray(0, BATCH * C * inH * inW);
  const upsampleCases = upsampleModes.map(([mode, alignCorners]) => {
    const desc = { channels: C, inHeight: inH, inWidth: inW, scaleHeight: 2, scaleWidth: 2 };
    const options = { scale: [2, 2] as [number, number], mode, alignCorners };
    return largeCase(
      `upsample(2), ${mode}${alignCorners ? ', align_corners' : ''}`,
      upsample(backend.get(), { ...desc, mode, alignCorners }),
      [small],
      () => ref.upsample2d(ref.samplesOf(small, [C, inH, inW], LAST), options).data,
    );
  });
  return [
    largeCase(
      'normalize',
      normalize(backend.get(), { channels: C, spatial: H * W }),
      [x, mean, std],
      () => ref.normalize(xLast(), [...mean], [...std]).data,
    ),
    ...upsampleCases,
    largeCase(
      'groupnorm(4 groups)',
      groupnorm(backend.get(), { channels: C, spatial: H * W, groups: 4, eps: 1e-5 }),
      [x, gamma, beta],
      () => ref.groupnorm(xLast(), [...gamma], [...beta], 4, 1e-5).data,
      1e-4,
    ),
  ];
}

test.serial('normalize, upsample and groupnorm over more than 2^24 values', async (t) => {
  t.true(LAST * PER_SAMPLE >= MAX_KERNEL_VALUES);
  for (const c of largeCases()) {
    const out = await c.run();
    t.is(out.length, BATCH * PER_SAMPLE, c.name);
    const report = allclose(
      sampleOut(out, PER_SAMPLE, LAST),
      c.expectedLast(),
      1e-4,
      c.atol ?? 1e-5,
    );
    t.true(report.ok, `${c.name}: ${report.message}`);
  }
});

test.serial('trap: one launch over the whole batch reads them at wrong indices', async (t) => {
  // What the checks above catch: the same kernels in one launch of 129 samples (no exact split)
  // compute their channel, plane or group from float32 indices past 2^24 and fail every check.
  for (const c of largeCases()) {
    const out = await c.oneLaunch();
    const report = allclose(
      sampleOut(out, PER_SAMPLE, LAST),
      c.expectedLast(),
      1e-4,
      c.atol ?? 1e-5,
    );
    t.false(report.ok, `${c.name}: one launch past 2^24 values was exact`);
  }
});

test.serial('threaded webasm: concat past 2^24 values is exact too', async (t) => {
  const threaded = createBackend({ mode: 'webasm', threads: true, poolSize: 2 });
  try {
    const a = randomTensor('threaded-a', BATCH * PER_SAMPLE);
    const b = randomTensor('threaded-b', BATCH * PER_SAMPLE);
    const joined = await concat(threaded, { channels: [C, C], spatial: H * W })(a, b, BATCH);
    const last = BATCH - 1;
    const expected = ref.concat([
      ref.samplesOf(a, [C, H, W], last),
      ref.samplesOf(b, [C, H, W], last),
    ]);
    assertClose(t, sampleOut(joined, 2 * PER_SAMPLE, last), expected.data);
  } finally {
    await threaded.dispose();
  }
});

test.serial('a weight larger than 2^24 values fails at create, naming the layer', (t) => {
  t.throws(() => conv2d(backend.get(), convDesc([1024, 8, 8], 4097, 2, 1, 0)), {
    message: /^conv2d: weight has 16781312 values, more than the 16777216 \(2\^24\)/,
  });
});
