// `normalize` in the PyTorch export: a `Normalize` module whose buffers `mean`/`std` are the
// state_dict keys cnnc's weights use (strict load), computing the generated module's outputs with
// given and learnt buffers; its `adapt` learns the numbers cnnc train learns; and the generated
// train_ddp.py adapts an argument-less normalize before training, as cnnc train does.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { channelStatistics } from '../../trainer/core/adapt.js';
import { readSafetensors, writeSafetensors } from '../../runtime/safetensors.js';
import { buildSource, inputFor } from '../emit/build-helper.js';
import { f32le, leBytes, npyBytes } from '../train/fixtures.js';
import { exportExample, OUT, PYTHON, runTorchChecks, torchMissing } from './pytorch-helpers.js';

const missing = torchMissing();
if (missing) console.log(`PyTorch normalize tests skipped: ${missing}`);
const maybe = missing ? test.skip : test;

const SOURCE = `model Norm {
  input x: [3, 8, 8]
  normalize
  conv(4, 3)
  normalize(mean=[0.1, 0.2, -0.3, 0.4], std=0.5)
  relu
  flatten
  fc(5)
  normalize(mean=0.5, std=[1, 2, 3, 4, 5])
  output y
}
`;

const BATCH = 2;

maybe(
  'Normalize loads cnnc weights strictly and computes the generated module output',
  async (t) => {
    const [entry] = exportExample('norm.cnn', 'normalize', SOURCE);
    const { module } = await buildSource('pytorch-normalize', SOURCE);
    const model = await module.create({ seed: 3, init: 'he', mode: 'webasm' });
    const input = inputFor(BATCH * 192, 4);
    let reference: Float32Array;
    try {
      // Learnt values in the first normalize, as cnnc train would set them.
      const tensors = module.parameterSpecs.map(
        (spec): [string, { shape: number[]; data: Float32Array }] => [
          spec.name,
          {
            shape: [...spec.shape],
            data: Float32Array.from(model.parameters().get(spec.name) ?? []),
          },
        ],
      );
      const learnt: Record<string, number[]> = {
        '0.mean': [0.2, -0.1, 0.3],
        '0.std': [0.5, 1.5, 2],
      };
      for (const [name, tensor] of tensors)
        if (learnt[name]) tensor.data = Float32Array.from(learnt[name]);
      model.loadWeights(writeSafetensors(tensors));
      reference = await model.forward(input, BATCH);
      writeFileSync(join(entry.dir, 'norm.safetensors'), model.saveWeights());
      writeFileSync(join(entry.dir, 'norm.input.f32'), new Uint8Array(input.buffer));
    } finally {
      await model.dispose();
    }
    const result = runTorchChecks(
      [
        {
          name: 'Norm',
          module: entry.modulePath,
          weights: join(entry.dir, 'norm.safetensors'),
          input: join(entry.dir, 'norm.input.f32'),
          input_shape: [BATCH, 3, 8, 8],
        },
      ],
      join(OUT, 'normalize-jobs.json'),
    ).get('Norm');
    t.is(result?.load, 'ok', 'strict load of saveWeights()');
    t.is(
      result?.params,
      4 * 3 * 3 * 3 + 4 + 144 * 5 + 5,
      'trainable parameters: the conv and the fc',
    );
    t.is(result?.buffers, 2 * (3 + 4 + 5), 'buffers: mean and std of each normalize');
    t.deepEqual(
      (result?.state_dict ?? []).filter(([name]) => /\.(mean|std)$/.test(name)),
      [
        ['0.mean', [3]],
        ['0.std', [3]],
        ['2.mean', [4]],
        ['2.std', [4]],
        ['6.mean', [5]],
        ['6.std', [5]],
      ],
    );
    const output = result?.output ?? [];
    t.is(output.length, reference.length);
    const largest = reference.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
    const diff = output.reduce((acc, v, idx) => Math.max(acc, Math.abs(v - reference[idx])), 0);
    t.true(diff <= 1e-4 * Math.max(1, largest), `max |torch − cnnc| = ${diff}`);
  },
);

maybe("Normalize.adapt learns cnnc train's numbers", (t) => {
  const [entry] = exportExample('norm.cnn', 'normalize-adapt', SOURCE);
  const count = 50;
  const images = inputFor(count * 3 * 64, 9).map((v, idx) => v * (1 + (idx % 3)) + 0.25);
  const path = join(entry.dir, 'images.f32');
  writeFileSync(path, new Uint8Array(images.buffer));
  const script = [
    'import importlib.util, json, sys, numpy as np, torch',
    `spec = importlib.util.spec_from_file_location("m", ${JSON.stringify(entry.modulePath)})`,
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    `x = torch.from_numpy(np.fromfile(${JSON.stringify(path)}, dtype="<f4").reshape(${count}, 3, 8, 8))`,
    'layer = m.Normalize(3, 2); layer.adapt(x)',
    'print(json.dumps({"mean": layer.mean.tolist(), "std": layer.std.tolist()}))',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  t.is(run.status, 0, run.stderr);
  const torchStats = JSON.parse(run.stdout) as { mean: number[]; std: number[] };
  const cnnc = channelStatistics(images, 3, 64);
  t.deepEqual(torchStats.mean, [...Float32Array.from(cnnc.mean)]);
  t.deepEqual(torchStats.std, [...Float32Array.from(cnnc.std)]);
});

maybe('train_ddp.py adapts an argument-less normalize before training, as cnnc train', (t) => {
  const source = `model Small {
  input x: [2, 4, 4]
  normalize
  flatten
  fc(2)
  output y
}

train Small {
  loss = cross_entropy
  optimizer = sgd(lr=0.1)
  batch = 8
  epochs = 1
}
`;
  const [entry] = exportExample('small.cnn', 'normalize-ddp', source);
  // As test/train/normalize-cli.test.ts: channel 0 = k/15 at pixel k, channel 1 = 2, in every
  // image, so mean [0.5, 2] and std [√(340/3600), 1e-7] whichever images are trained on.
  const data = join(entry.dir, 'data');
  mkdirSync(data, { recursive: true });
  const image = [...Array.from({ length: 16 }, (_, k) => k / 15), ...Array<number>(16).fill(2)];
  writeFileSync(
    join(data, 'x.npy'),
    npyBytes('<f4', [40, 2, 4, 4], f32le(Array.from({ length: 40 }, () => image).flat())),
  );
  const labels = Array.from({ length: 40 }, (_, idx) => idx % 2);
  writeFileSync(
    join(data, 'y.npy'),
    npyBytes(
      '<i4',
      [40],
      leBytes(labels, 4, (view, at, value) => view.setInt32(at, value, true)),
    ),
  );
  const out = join(entry.dir, 'run');
  const run = spawnSync(PYTHON, ['train_ddp.py', '--data', 'data', '--out', 'run'], {
    cwd: entry.dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  t.is(run.status, 0, run.stderr);
  t.regex(
    run.stdout,
    /normalize 0 learnt from \d+ training images: mean \[0\.5, 2\.0\], std \[0\.3073/,
  );
  const weights = readSafetensors(readFileSync(join(out, 'weights.safetensors')));
  t.deepEqual([...weights.get('0.mean').data], [0.5, 2]);
  t.deepEqual(
    [...weights.get('0.std').data],
    [Math.fround(Math.sqrt(340 / 3600)), Math.fround(1e-7)],
  );
});
