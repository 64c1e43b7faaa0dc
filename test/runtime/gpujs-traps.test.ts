// One test per gpu.js trap that returns wrong results silently (DEVELOPERS.md), each proving the
// runtime's guard: constant loop bounds, 1-D outputs, no cpu fallback, kernel reuse, tolerances
// against the float64 cpu backend, and `new Input`.
import test from 'ava';
import { GPU } from 'gpu.js';
import {
  checkNoFallback,
  createBackend,
  inputView,
  type GpuKernel,
} from '../../runtime/backend.js';
import { conv2d, type Conv2dDescriptor } from '../../runtime/kernels/conv2d.js';
import { convNd, tensor } from '../helpers/reference.js';
import { assertClose, randomTensor, sharedBackend } from './support.js';

const backend = sharedBackend();
test.after.always(() => backend.dispose());

function pointwise(inChannels: number, outChannels: number, size: number): Conv2dDescriptor {
  return {
    inChannels,
    inHeight: size,
    inWidth: size,
    outChannels,
    outHeight: size,
    outWidth: size,
    filterHeight: 1,
    filterWidth: 1,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
    groups: 1,
    padMode: 'zeros',
  };
}

test('trap: a loop bound passed as an argument stops at 1000 iterations in gpu.js', (t) => {
  const gpu = new GPU({ mode: 'webasm' });
  const sum = gpu.createKernel(
    function (values: number[], count: number) {
      let acc = 0;
      for (let i = 0; i < count; i++) acc += values[i];
      return acc;
    },
    { output: [1] },
  );
  t.is((sum(new Float32Array(3000).fill(1), 3000) as Float32Array)[0], 1000);
  return gpu.destroy();
});

test('guard: a 3000-term reduction is exact because its bound is a kernel constant', async (t) => {
  const inChannels = 3000;
  const x = randomTensor('long x', inChannels * 4);
  const w = randomTensor('long w', 2 * inChannels);
  const layer = conv2d(backend.get(), pointwise(inChannels, 2, 2));
  const actual = await layer(x, w, null, 1);
  const expected = convNd(
    tensor(x, [1, inChannels, 2, 2]),
    tensor(w, [2, inChannels, 1, 1]),
    null,
    {
      stride: [1, 1],
      dilation: [1, 1],
      pads: [
        [0, 0],
        [0, 0],
      ],
      groups: 1,
      padMode: 'zeros',
    },
  );
  assertClose(t, actual, expected.data, 1e-4, 1e-4);
});

test('trap: gpu.js drops the 4th dimension of an output', (t) => {
  const gpu = new GPU({ mode: 'webasm' });
  const fourD = gpu.createKernel(
    function () {
      return 1;
    },
    { output: [2, 2, 2, 2] },
  );
  const result = fourD() as unknown as Float32Array[][];
  t.true(result[0][0] instanceof Float32Array, 'the innermost level is already a row of numbers');
  return gpu.destroy();
});

test('guard: a batched NCHW output is one flat array of N·C·H·W values', async (t) => {
  const layer = conv2d(backend.get(), pointwise(3, 4, 5));
  const batch = 2;
  const out = await layer(
    randomTensor('flat x', batch * 3 * 25),
    randomTensor('flat w', 12),
    null,
    batch,
  );
  t.true(out instanceof Float32Array);
  t.is(out.length, batch * 4 * 5 * 5);
  t.is(layer.outputLength(batch), out.length);
  t.throws(() => inputView(out, [batch, 4, 5, 5]), { message: /1 to 3 dimensions/ });
});

test('trap: a kernel map silently falls back to cpu on webasm, and the guard notices', (t) => {
  const gpu = new GPU({ mode: 'webasm' });
  const warn = console.warn;
  console.warn = () => {};
  try {
    const map = gpu.createKernelMap(
      {
        doubled: function (v: number) {
          return v * 2;
        },
      },
      function (this: { thread: { x: number } }, values: number[]) {
        return values[this.thread.x];
      },
      { output: [4] },
    );
    map(new Float32Array(4));
    t.throws(() => checkNoFallback(map as unknown as GpuKernel), {
      message: /fell back to the cpu backend: kernel maps/,
    });
  } finally {
    console.warn = warn;
  }
  return gpu.destroy();
});

test('guard: every runtime kernel stays on webasm (no kernel maps, no textures)', async (t) => {
  const layer = conv2d(backend.get(), pointwise(2, 2, 3));
  await layer(randomTensor('native x', 18), randomTensor('native w', 4), null, 1);
  for (const stage of layer.stages(1)) {
    t.is(stage.kernel.kernel.constructor.name, 'WebAssemblyKernel');
    t.notThrows(() => checkNoFallback(stage.kernel));
  }
});

test('guard: layers of the same shape share one kernel (and so one worker pool)', async (t) => {
  const local = createBackend({ mode: 'webasm' });
  try {
    const first = conv2d(local, pointwise(2, 3, 4));
    const second = conv2d(local, pointwise(2, 3, 4));
    const other = conv2d(local, pointwise(3, 3, 4));
    t.is(first.stages(2)[0].kernel, second.stages(2)[0].kernel);
    t.not(first.stages(2)[0].kernel, other.stages(2)[0].kernel);
    t.not(first.stages(2)[0].kernel, first.stages(1)[0].kernel, 'the batch is part of the shape');
    t.is(local.size, 3);
    t.is(local.stats.misses, 3);
  } finally {
    await local.dispose();
  }
});

test('trap: the cpu backend accumulates in float64, so it is compared with a tolerance', async (t) => {
  const cpu = createBackend({ mode: 'cpu' });
  try {
    const desc = pointwise(64, 2, 3);
    const x = randomTensor('cpu x', 64 * 9);
    const w = randomTensor('cpu w', 128);
    const onCpu = await conv2d(cpu, desc)(x, w, null, 1);
    const onWasm = await conv2d(backend.get(), desc)(x, w, null, 1);
    assertClose(t, onWasm, onCpu, 1e-5, 1e-6);
  } finally {
    await cpu.dispose();
  }
});

test('guard: threaded and single-threaded webasm are bit-identical', async (t) => {
  const threaded = createBackend({ mode: 'webasm', threads: true });
  const single = createBackend({ mode: 'webasm', threads: false });
  try {
    const desc = {
      ...pointwise(8, 8, 24),
      filterHeight: 3,
      filterWidth: 3,
      outHeight: 22,
      outWidth: 22,
    };
    const x = randomTensor('thread x', 2 * 8 * 24 * 24);
    const w = randomTensor('thread w', 8 * 8 * 9);
    const threadedLayer = conv2d(threaded, desc);
    const a = await threadedLayer(x, w, null, 2);
    const b = await conv2d(single, desc)(x, w, null, 2);
    t.deepEqual(a, b);
    // NOTE: `_lastRunPath` is gpu.js-internal; it proves the worker pool really ran.
    const ran = threadedLayer.stages(2)[0].kernel.kernel as unknown as { _lastRunPath?: string };
    t.is(ran._lastRunPath, threaded.threaded ? 'threaded' : 'simd');
  } finally {
    await threaded.dispose();
    await single.dispose();
  }
});

test('guard: views use `new Input` (gpu.js types `input` as type-only) with x fastest', (t) => {
  const gpu = new GPU({ mode: 'webasm' });
  const read = gpu.createKernel(
    function (this: { thread: { x: number; y: number; z: number } }, v: number[][][]) {
      return v[this.thread.z][this.thread.y][this.thread.x];
    },
    { output: [3, 2, 2] },
  );
  const data = Float32Array.from({ length: 12 }, (_, idx) => idx);
  const result = read(inputView(data, [2, 2, 3])) as unknown as Float32Array[][];
  t.is(result[1][0][2], 8, 'element (z=1, y=0, x=2) is data[(1·2 + 0)·3 + 2]');
  return gpu.destroy();
});
