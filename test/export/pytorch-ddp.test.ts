// The round trip of docs/export-pytorch.md on LeNet-5: `cnnc build --emit pytorch` output and the
// digits `cnnc train` uses (scripts/torch/export-digits.ts), then `torchrun --nproc_per_node 2
// train_ddp.py` for one epoch on CPU (gloo, DistributedDataParallel), then the saved weights in
// the generated TypeScript module (webasm), whose held-out accuracy must be PyTorch's within 0.5
// points on the same 2,000 digits.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadTrainingData } from '../../trainer/io/data/load.js';
import { exportDigits } from '../../scripts/torch/export-digits.js';
import { buildSource } from '../emit/build-helper.js';
import { exportExample, PYTHON, torchMissing } from './pytorch-helpers.js';

const missing = torchMissing();
if (missing) console.log(`PyTorch DDP test skipped: ${missing}`);
const maybe = missing ? test.skip : test;

interface DdpMetrics {
  processes: number;
  backend: string;
  epochs: number;
  history: { epoch: number; testAccuracy: number }[];
  heldOut: { images: number; correct: number; accuracy: number };
}

/** Runs a command to its end: exit code and output (never rejects). */
async function runProcess(command: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

maybe(
  'torchrun --nproc_per_node 2 train_ddp.py trains LeNet-5; cnnc loads its weights',
  async (t) => {
    const [entry] = exportExample('examples/lenet5.cnn', 'ddp');
    const counts = exportDigits(join(entry.dir, 'digits'));
    t.deepEqual(counts, { train: 8000, test: 2000 });
    // NOTE: `--standalone` picks a free port (other runs may hold 29500). `--redirects 0:1 --tee
    // 0:1` works around torch 1.13's torchrun on Python 3.11, whose default `--redirects 0` parses
    // to None (Python 3.11 no longer lists the zero flag Std.NONE when iterating Std).
    const run = await runProcess(
      PYTHON,
      [
        '-m',
        'torch.distributed.run',
        '--standalone',
        '--nproc_per_node',
        '2',
        '--redirects',
        '0:1',
        '--tee',
        '0:1',
        'train_ddp.py',
        '--data',
        'digits',
        '--epochs',
        '1',
        '--out',
        'run',
      ],
      entry.dir,
    );
    t.is(run.code, 0, `torchrun failed:\n${run.stdout}\n${run.stderr}`);
    t.log(run.stdout.trim());
    const metrics = JSON.parse(
      readFileSync(join(entry.dir, 'run', 'metrics.json'), 'utf8'),
    ) as DdpMetrics;
    t.is(metrics.processes, 2);
    t.is(metrics.backend, 'gloo');
    t.is(metrics.history.length, 1);
    t.is(metrics.heldOut.images, 2000);
    t.true(metrics.heldOut.accuracy > 0.85, `PyTorch reached only ${metrics.heldOut.accuracy}`);

    const { module } = await buildSource(
      'pytorch-ddp-lenet5',
      readFileSync('examples/lenet5.cnn', 'utf8'),
      { training: true },
    );
    const weights = readFileSync(join(entry.dir, 'run', 'weights.safetensors'));
    const model = await module.create({ weights, mode: 'webasm' });
    try {
      const data = loadTrainingData('mnist');
      if (!data.ok) return t.fail(data.message);
      const { images, labels } = data.value.test;
      const evaluation = await (
        model as unknown as {
          evaluate(x: Float32Array, y: Int32Array, n: number): Promise<{ accuracy: number }>;
        }
      ).evaluate(images, labels, labels.length);
      const points = 100 * Math.abs(evaluation.accuracy - metrics.heldOut.accuracy);
      t.log(
        `held-out accuracy: PyTorch ${(100 * metrics.heldOut.accuracy).toFixed(2)}%, ` +
          `cnnc ${(100 * evaluation.accuracy).toFixed(2)}% (${points.toFixed(2)} points apart)`,
      );
      t.true(points <= 0.5, `${points.toFixed(2)} points apart`);
    } finally {
      await model.dispose();
    }
  },
);
