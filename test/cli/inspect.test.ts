// Feature maps (`cnnc inspect` and the training report): the stages are the convolutions with the
// batchnorm and activation after them, and the values drawn are exactly what those layers compute
// (checked against the float64 reference); the command draws a PNG and refuses bad input in one line.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureStages, stageRunner } from '../../trainer/app/feature-maps.js';
import { importBuiltModule, runtimeModuleUrl } from '../../trainer/app/train-module.js';
import type { TrainableModule } from '../../trainer/app/train-module.js';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { writeSafetensors } from '../../runtime/safetensors.js';
import { activateAll, convNd, tensor } from '../helpers/reference.js';
import { decodePng } from '../helpers/png.js';

const SOURCE = `model Small {
  input image: [1, 8, 8]
  conv(3, 3, pad=1)
  batchnorm
  relu
  maxpool(2)
  conv(2, 3)
  flatten
  fc(4)
  output logits
}
`;

function compiled() {
  const result = compileSource('small.cnn', SOURCE);
  t0(result.diagnostics.length === 0, result.diagnostics.map((d) => d.message).join('; '));
  return { model: result.program.models[0], texts: result.texts };
}

function t0(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

test('stages extend each convolution over the batchnorm and activation that follow it', (t) => {
  const { model, texts } = compiled();
  const stages = featureStages(model, (file) => texts.get(file));
  t.deepEqual(
    stages.map((s) => [model.nodes[s.node].op, s.label]),
    [
      ['relu', 'conv (line 3) → [3, 8, 8]'],
      ['conv', 'conv (line 7) → [2, 2, 2]'],
    ],
  );
});

test('the stage values are the layers’ outputs (float64 reference)', async (t) => {
  const { model, texts } = compiled();
  const built = await buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'js',
    source: 'small.cnn',
    texts,
    runtimeModule: runtimeModuleUrl(),
    training: false,
  });
  const module = await importBuiltModule<TrainableModule>(built.code);
  const seeded = await module.create({ seed: 3 });
  const params = seeded.parameters();
  await seeded.dispose();
  // Non-trivial batchnorm statistics, so folding or skipping it would show.
  const shapes = new Map(module.parameterSpecs.map((p) => [p.name, [...p.shape]]));
  const tensors = new Map(
    [...params].map(([name, data]) => {
      const values = name.endsWith('running_var') ? data.map((_, i) => 0.5 + i) : data;
      const shifted = name.endsWith('running_mean') ? values.map((_, i) => 0.1 * i) : values;
      return [name, { shape: shapes.get(name) ?? [data.length], data: shifted }] as const;
    }),
  );
  const runner = await stageRunner(model, texts, 'small.cnn', writeSafetensors(tensors));
  if (typeof runner === 'string') return t.fail(runner);
  const image = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const [first] = await runner.run(image);
  await runner.dispose();
  const get = (name: string) => tensors.get(name)?.data ?? new Float32Array();
  const conv = convNd(
    tensor(image, [1, 1, 8, 8]),
    tensor(get('0.weight'), [3, 1, 3, 3]),
    tensor(get('0.bias'), [3]),
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
  const normalised = conv.data.map((v, i) => {
    const c = Math.floor(i / 64);
    const [mean, variance] = [get('1.running_mean')[c], get('1.running_var')[c]];
    return ((v - mean) / Math.sqrt(variance + 1e-5)) * get('1.weight')[c] + get('1.bias')[c];
  });
  const expected = activateAll(normalised, 'relu');
  t.is(first.length, expected.length);
  first.forEach((v, i) =>
    t.true(Math.abs(v - expected[i]) < 1e-4, `value ${i}: ${v} vs ${expected[i]}`),
  );
});

const ROOT = 'build/test-inspect';

function cli(...args: string[]) {
  return spawnSync('node', ['--import', 'tsx', 'compiler/cli/run.ts', 'inspect', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('cnnc inspect draws a PNG and refuses bad input in one line', async (t) => {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(ROOT, { recursive: true });
  const lenet = readFileSync('examples/lenet5.cnn', 'utf8');
  const { model, texts } = (() => {
    const result = compileSource('examples/lenet5.cnn', lenet);
    return { model: result.program.models[0], texts: result.texts };
  })();
  const built = await buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'js',
    source: 'examples/lenet5.cnn',
    texts,
    runtimeModule: runtimeModuleUrl(),
    training: false,
  });
  const module = await importBuiltModule<TrainableModule>(built.code);
  const seeded = await module.create({ seed: 1 });
  const shapes = new Map(module.parameterSpecs.map((p) => [p.name, [...p.shape]]));
  const weights = join(ROOT, 'w.safetensors');
  writeFileSync(
    weights,
    writeSafetensors(
      [...seeded.parameters()].map(([name, data]) => [
        name,
        { shape: shapes.get(name) ?? [], data },
      ]),
    ),
  );
  await seeded.dispose();
  const out = join(ROOT, 'maps.png');
  const ok = cli('examples/lenet5.cnn', '--weights', weights, '--image', '3', '-o', out);
  t.is(ok.status, 0, ok.stderr);
  const png = decodePng(new Uint8Array(readFileSync(out)));
  // 16 columns of 28·2 + 6 px: 12 + 16·62 − 6 + 12 = 1010 wide; rows: the image, then two stages.
  t.is(png.width, 1010);
  t.true(png.height > 3 * 62, `height ${png.height}`);
  for (const [args, status, pattern] of [
    [['--weights', weights, '--image', '-1'], 2, /--image takes a non-negative integer/],
    [['--weights', weights, '--image', '999999'], 2, /past the 2000 held-out images/],
    [['--image', '1'], 2, /--weights is required/],
    [['--weights', '/dev/zero'], 1, /not a regular file/],
    [['--weights', 'README.md'], 1, /safetensors/],
    [['--weights', weights, '-o', join(ROOT, 'x.jpg')], 2, /must end in .svg or .png/],
  ] as const) {
    const run = cli('examples/lenet5.cnn', ...args);
    t.is(run.status, status, `${args.join(' ')}: ${run.stderr}`);
    t.regex(run.stderr, pattern);
    t.notRegex(run.stderr, /\n\s+at /, 'no stack trace');
  }
});
