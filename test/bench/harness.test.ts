// The pure parts of `npm run bench` (bench/run.ts): option parsing, workload and engine selection,
// the NCHW/OIHW → NHWC/HWIO conversions the TensorFlow.js models rely on (checked through a real
// tfjs convolution against the float64 reference), statistics, table rendering and the acceptance
// lines. Nothing here times anything.
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parseBenchArgs } from '../../bench/lib/args.js';
import { selectEngines } from '../../bench/lib/engines.js';
import { depthwiseToHwc1, nchwToNhwc, nhwcToNchw, oihwToHwio } from '../../bench/lib/layout.js';
import {
  acceptance,
  renderReport,
  type BenchRun,
  type WorkloadResult,
} from '../../bench/lib/report.js';
import { relativeDifference, summarizeTimes } from '../../bench/lib/stats.js';
import { renderTable } from '../../bench/lib/table.js';
import { selectWorkloads, WORKLOADS } from '../../bench/lib/workloads.js';
import { convNd, tensor } from '../helpers/reference.js';

test('bench options: defaults, lists, numbers and both --name value forms', (t) => {
  const defaults = parseBenchArgs([]);
  t.true(defaults.ok);
  if (!defaults.ok) return;
  t.is(defaults.options.only, null);
  t.is(defaults.options.repeats, 10);
  t.is(defaults.options.threads, 2);
  const parsed = parseBenchArgs([
    '--only',
    'resnet18',
    '--engines',
    'tfjs-wasm,cnnc-wasm',
    '--repeats=3',
    '--all',
  ]);
  t.true(parsed.ok);
  if (!parsed.ok) return;
  t.deepEqual(parsed.options.only, ['resnet18']);
  t.deepEqual(parsed.options.engines, ['tfjs-wasm', 'cnnc-wasm']);
  t.is(parsed.options.repeats, 3);
  t.true(parsed.options.all);
  const render = parseBenchArgs(['--render=bench/results/run.json']);
  t.deepEqual(render.ok ? render.options.render : null, 'bench/results/run.json');
});

test('bench options: mistakes give one error line', (t) => {
  const error = (argv: string[]) => {
    const parsed = parseBenchArgs(argv);
    return parsed.ok ? null : parsed.error;
  };
  t.is(error(['--repeats', '0']), '--repeats needs a positive integer');
  t.is(error(['--repeats', '2.5']), '--repeats needs a positive integer');
  t.is(error(['--budget', 'soon']), '--budget needs a positive number of seconds');
  t.is(error(['--only']), '--only needs a comma-separated list');
  t.is(error(['--fast']), 'unknown option --fast (npm run bench -- --help)');
  t.is(error(['--render']), '--render needs a path');
});

test('workloads by id or architecture; engines by id', (t) => {
  t.deepEqual(
    selectWorkloads(['resnet18']).map((w) => w.id),
    ['resnet18-b1', 'resnet18-b8', 'resnet18-train-b8'],
  );
  t.deepEqual(
    selectWorkloads(['lenet5-train-b64', 'conv64']).map((w) => w.id),
    ['lenet5-train-b64', 'conv64-b1'],
  );
  t.is(selectWorkloads(null).length, WORKLOADS.length);
  t.throws(() => selectWorkloads(['resnet101']), { message: /unknown workload resnet101/ });
  t.deepEqual(
    selectEngines(['tfjs-wasm', 'cnnc-wasm']).map((e) => e.id),
    ['cnnc-wasm', 'tfjs-wasm'],
  );
  t.throws(() => selectEngines(['tvm']), { message: /unknown engine tvm/ });
});

/** Deterministic values in [-1, 1) that are not symmetric in any axis. */
function values(count: number, seed: number): Float32Array {
  return Float32Array.from({ length: count }, (_, idx) => Math.sin(seed + idx * 1.37) * 0.9);
}

async function tfjsCpu<T>(body: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  return body();
}

test('OIHW → HWIO: a tfjs convolution on converted weights equals the float64 reference', async (t) => {
  // A non-square kernel, unequal in/out channels and height ≠ width catch any swapped axis.
  const [batch, inC, height, width, outC, kh, kw] = [2, 3, 5, 4, 4, 3, 2];
  const x = values(batch * inC * height * width, 1);
  const w = values(outC * inC * kh * kw, 2);
  const expected = convNd(
    tensor(x, [batch, inC, height, width]),
    tensor(w, [outC, inC, kh, kw]),
    null,
    {
      stride: [1, 1],
      dilation: [1, 1],
      pads: [
        [1, 1],
        [1, 1],
      ],
      groups: 1,
      padMode: 'zeros',
    },
  );
  const outShape = expected.shape;
  const actual = await tfjsCpu(async () => {
    const xT = tf.tensor4d(nchwToNhwc(x, [batch, inC, height, width]), [batch, height, width, inC]);
    const wT = tf.tensor4d(oihwToHwio(w, [outC, inC, kh, kw]), [kh, kw, inC, outC]);
    // Explicit padding, as bench/children/tfjs-models.ts uses: a plain `1` would size the output
    // width from the filter's height.
    const padding: [[0, 0], [1, 1], [1, 1], [0, 0]] = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ];
    const y = tf.conv2d(xT, wT, 1, padding);
    t.deepEqual(y.shape, [outShape[0], outShape[2], outShape[3], outShape[1]]);
    return nhwcToNchw((await y.data()) as Float32Array, outShape);
  });
  t.true(
    relativeDifference(actual, expected.data) < 1e-6,
    `difference ${relativeDifference(actual, expected.data)}`,
  );
});

test('depthwise [C, 1, kh, kw] → [kh, kw, C, 1]: tfjs depthwiseConv2d equals the grouped reference', async (t) => {
  const [batch, channels, height, width, kh, kw] = [1, 3, 4, 6, 3, 2];
  const x = values(batch * channels * height * width, 3);
  const w = values(channels * kh * kw, 4);
  const expected = convNd(
    tensor(x, [batch, channels, height, width]),
    tensor(w, [channels, 1, kh, kw]),
    null,
    {
      stride: [1, 1],
      dilation: [1, 1],
      pads: [
        [0, 0],
        [0, 0],
      ],
      groups: channels,
      padMode: 'zeros',
    },
  );
  const actual = await tfjsCpu(async () => {
    const xT = tf.tensor4d(nchwToNhwc(x, [batch, channels, height, width]), [
      batch,
      height,
      width,
      channels,
    ]);
    const wT = tf.tensor4d(depthwiseToHwc1(w, [channels, 1, kh, kw]), [kh, kw, channels, 1]);
    return nhwcToNchw(
      (await tf.depthwiseConv2d(xT, wT, 1, 'valid').data()) as Float32Array,
      expected.shape,
    );
  });
  t.true(relativeDifference(actual, expected.data) < 1e-6);
});

test('layout conversions reject a shape that does not match the data', (t) => {
  t.throws(() => oihwToHwio(new Float32Array(5), [1, 1, 2, 2]), {
    message: /holds 4 values, not 5/,
  });
  t.throws(() => depthwiseToHwc1(new Float32Array(8), [2, 2, 1, 2]), {
    message: /expected \[C, 1, kh, kw\]/,
  });
});

test('statistics: median, min, max and the relative difference', (t) => {
  t.deepEqual(summarizeTimes([5, 1, 3]), { medianMs: 3, minMs: 1, maxMs: 5, count: 3 });
  t.is(summarizeTimes([4, 1, 3, 2]).medianMs, 2.5);
  t.is(relativeDifference([1, 2.002, -3], [1, 2, -4]), 0.25);
  t.is(relativeDifference([1, 2], [1, 2, 3]), NaN);
  t.is(relativeDifference([NaN], [1]), NaN);
});

test('tables: padded cells, right-aligned columns, escaped pipes', (t) => {
  const table = renderTable(
    ['engine', 'median'],
    [
      ['tfjs-wasm', '141 ms'],
      ['a|b', '8.5 ms'],
    ],
    [1],
  );
  t.is(
    table,
    [
      '| engine    | median |',
      '| --------- | -----: |',
      '| tfjs-wasm | 141 ms |',
      '| a\\|b      | 8.5 ms |',
    ].join('\n'),
  );
  t.throws(() => renderTable(['a', 'b'], [['only one']]), { message: /1 cells for 2 columns/ });
});

function result(
  id: string,
  cells: WorkloadResult['cells'],
  agreement: WorkloadResult['agreement'] = {},
): WorkloadResult {
  const workload = WORKLOADS.find((w) => w.id === id);
  if (workload === undefined) throw new Error(id);
  return { workload, flopsPerImage: 1e9, trainingEstimateBytes: 100e6, cells, agreement };
}

function ok(medianMs: number, peakRssBytes = 0, baselineRssBytes = 0) {
  return {
    status: 'ok' as const,
    timesMs: [medianMs],
    warmupMs: medianMs,
    setupMs: 0,
    peakRssBytes,
    baselineRssBytes,
  };
}

test('acceptance lines and the report come from the run’s own medians', (t) => {
  const run: BenchRun = {
    date: '2026-12-01T00:00:00.000Z',
    machine: { cpus: 'CPU', cores: 2, node: 'v20', loadBefore: [1, 1, 1], loadAfter: [1, 1, 1] },
    command: 'npm run bench',
    engines: ['cnnc-wasm', 'cnnc-gpujs', 'tfjs-wasm', 'tfjs-cpu', 'pytorch'],
    workloads: [
      result(
        'resnet18-b1',
        { 'cnnc-wasm': ok(50), 'cnnc-gpujs': ok(5000), 'tfjs-wasm': ok(120) },
        { 'tfjs-wasm': 2e-5, pytorch: 3e-4 },
      ),
      result('lenet5-b64', {
        'cnnc-wasm': { status: 'na', reason: 'flag rejected' },
        'cnnc-gpujs': ok(50),
        'tfjs-wasm': ok(3),
      }),
      result('lenet5-train-b64', {
        'cnnc-gpujs': ok(20, 300e6, 100e6),
        'tfjs-cpu': ok(2800),
        pytorch: ok(15),
      }),
    ],
    compile: [{ target: 'wasm', ms: 1234 }],
  };
  t.deepEqual(
    acceptance(run).map((line) => `${line.status} ${line.text}`),
    [
      'PASS ResNet-18 forward, batch 1: cnnc at least 2× faster than tfjs-wasm: 2.40× (cnnc-wasm)',
      'FAIL LeNet-5 forward, batch 64: cnnc at least 1.5× faster than tfjs-wasm: 0.060× (cnnc-gpujs)',
      'PASS LeNet-5 training step, batch 64: cnnc at least 100× faster than tfjs-cpu: 140× (cnnc-gpujs)',
      'PASS LeNet-5 training step, batch 64: cnnc within 2× of PyTorch: PyTorch ÷ cnnc = 0.75×',
      'PASS ResNet-18 forward, batch 1: output of cnnc agrees with tfjs-wasm within 1e-4 relative: 2.0e-5',
      'FAIL ResNet-18 forward, batch 1: output of cnnc agrees with pytorch within 1e-4 relative: 3.0e-4',
      'FAIL LeNet-5 training step, batch 64: peak RSS growth within 1.5× of the summary estimate: 200 MB / 100 MB = 2.00× (cnnc-gpujs)',
    ],
  );
  const report = renderReport(run);
  t.true(
    report.includes(
      '| ResNet-18 forward, batch 1      |     1.000 | 50.0 ms (50.0 ms–50.0 ms, n=1); 20.0 GFLOP/s; 20.0 img/s |',
    ),
  );
  t.true(report.includes('n/a (flag rejected)'));
  t.true(report.includes('| wasm   |    1.23 s |'));
});
