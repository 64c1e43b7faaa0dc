// Checkpoints: a round trip keeps every field; a truncated or bit-flipped latest checkpoint is
// detected and the previous one used with a warning; a killed writer never corrupts the last one.
import test from 'ava';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILE,
  PREVIOUS_CHECKPOINT_FILE,
  loadCheckpoint,
  readCheckpoint,
  saveCheckpoint,
  saveWeights,
} from '../../trainer/io/checkpoint.js';
import type { CheckpointState } from '../../trainer/core/checkpoint-format.js';
import { readSafetensors } from '../../runtime/safetensors.js';
import { tempDir } from './fixtures.js';

/** A small but complete training state after `epoch` epochs. */
function stateAt(epoch: number): CheckpointState {
  const history = Array.from({ length: epoch }, (_, idx) => ({
    epoch: idx + 1,
    step: (idx + 1) * 50,
    trainLoss: 1 / (idx + 2),
    trainAccuracy: 0.5 + idx / 10,
    testLoss: 1 / (idx + 1.5),
    testAccuracy: 0.45 + idx / 10,
    seconds: 3.25,
  }));
  return {
    epoch,
    step: epoch * 50,
    weights: new Map([
      [
        'conv1.weight',
        { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i * epoch) },
      ],
      ['conv1.bias', { shape: [2], data: Float32Array.from([epoch, -epoch]) }],
    ]),
    optimizerTensors: new Map([
      ['exp_avg/conv1.weight', { shape: [2, 1, 3, 3], data: new Float32Array(18).fill(0.125) }],
    ]),
    optimizer: { name: 'adam', lr: 0.001, betas: [0.9, 0.999], step: epoch * 50 },
    history,
    rng: { seed: 42, state: 123456789 + epoch },
    info: { model: 'LeNet5', source: 'examples/lenet5.cnn' },
  };
}

test('checkpoint round trip keeps weights, optimizer state, counters, history, RNG and info', (t) => {
  const dir = tempDir(t);
  const saved = saveCheckpoint(dir, stateAt(3));
  t.deepEqual(saved, { ok: true, value: { path: join(dir, CHECKPOINT_FILE) } });
  const loaded = loadCheckpoint(dir);
  if (!loaded.ok) return t.fail(loaded.message);
  t.deepEqual(loaded.value.warnings, []);
  t.deepEqual(loaded.value.state, stateAt(3));
  // The same state always gives the same bytes.
  const again = tempDir(t);
  saveCheckpoint(again, stateAt(3));
  t.deepEqual(readFileSync(join(again, CHECKPOINT_FILE)), readFileSync(join(dir, CHECKPOINT_FILE)));
});

test('saving keeps the previous checkpoint', (t) => {
  const dir = tempDir(t);
  saveCheckpoint(dir, stateAt(1));
  saveCheckpoint(dir, stateAt(2));
  saveCheckpoint(dir, stateAt(3));
  const latest = readCheckpoint(join(dir, CHECKPOINT_FILE));
  const previous = readCheckpoint(join(dir, PREVIOUS_CHECKPOINT_FILE));
  t.is(latest.ok && latest.value.epoch, 3);
  t.is(previous.ok && previous.value.epoch, 2);
});

test('a truncated latest checkpoint is detected; the previous one is used with a warning', (t) => {
  const dir = tempDir(t);
  saveCheckpoint(dir, stateAt(1));
  saveCheckpoint(dir, stateAt(2));
  const latest = join(dir, CHECKPOINT_FILE);
  truncateSync(latest, readFileSync(latest).length - 10);
  const loaded = loadCheckpoint(dir);
  if (!loaded.ok) return t.fail(loaded.message);
  t.is(loaded.value.state.epoch, 1);
  t.is(loaded.value.warnings.length, 1);
  t.regex(
    loaded.value.warnings[0],
    /checkpoint\.safetensors: safetensors: tensor `optim\/exp_avg\/conv1\.weight`: data_offsets .* out of range/,
  );
  t.regex(
    loaded.value.warnings[0],
    /resuming from the previous checkpoint .*checkpoint\.prev\.safetensors \(epoch 1\)$/,
  );
  // Saving again does not rotate the damaged file over the good previous checkpoint.
  saveCheckpoint(dir, stateAt(3));
  const previous = readCheckpoint(join(dir, PREVIOUS_CHECKPOINT_FILE));
  t.is(previous.ok && previous.value.epoch, 1);
});

test('a flipped bit in the data is caught by the checksum', (t) => {
  const dir = tempDir(t);
  saveCheckpoint(dir, stateAt(1));
  saveCheckpoint(dir, stateAt(2));
  const latest = join(dir, CHECKPOINT_FILE);
  const bytes = readFileSync(latest);
  bytes[bytes.length - 3] ^= 0x10;
  writeFileSync(latest, bytes);
  t.notThrows(() => readSafetensors(bytes), 'still a valid safetensors file');
  const loaded = loadCheckpoint(dir);
  if (!loaded.ok) return t.fail(loaded.message);
  t.is(loaded.value.state.epoch, 1);
  t.regex(
    loaded.value.warnings[0],
    /checksum mismatch: the file says sha256:[0-9a-f]{64}, its contents give sha256:/,
  );
});

test('a killed writer (stale temp file) never corrupts the last checkpoint', (t) => {
  const dir = tempDir(t);
  saveCheckpoint(dir, stateAt(1));
  saveCheckpoint(dir, stateAt(2));
  const good = readFileSync(join(dir, CHECKPOINT_FILE));
  // A writer killed mid-write leaves a partial temp file and has not renamed anything yet.
  writeFileSync(join(dir, `${CHECKPOINT_FILE}.tmp`), good.subarray(0, 100));
  writeFileSync(join(dir, `${PREVIOUS_CHECKPOINT_FILE}.tmp`), 'partial');
  const loaded = loadCheckpoint(dir);
  if (!loaded.ok) return t.fail(loaded.message);
  t.is(loaded.value.state.epoch, 2);
  t.deepEqual(loaded.value.warnings, []);
  // The next save overwrites the leftovers and leaves no temp file behind.
  t.true(saveCheckpoint(dir, stateAt(3)).ok);
  t.false(existsSync(join(dir, `${CHECKPOINT_FILE}.tmp`)));
  t.false(existsSync(join(dir, `${PREVIOUS_CHECKPOINT_FILE}.tmp`)));
  const after = loadCheckpoint(dir);
  t.is(after.ok && after.value.state.epoch, 3);
});

test('no usable checkpoint: one line with both reasons', (t) => {
  const dir = tempDir(t);
  t.deepEqual(loadCheckpoint(dir), {
    ok: false,
    message: `no checkpoint found at ${dir} (looked for ${join(dir, CHECKPOINT_FILE)})`,
  });
  writeFileSync(join(dir, CHECKPOINT_FILE), 'garbage');
  const result = loadCheckpoint(dir);
  t.false(result.ok);
  if (!result.ok) {
    t.regex(
      result.message,
      /^no usable checkpoint: .*checkpoint\.safetensors: safetensors: truncated file: 7 bytes.*; .*checkpoint\.prev\.safetensors: missing$/,
    );
  }
  const other = join(dir, 'weights.safetensors');
  t.true(saveWeights(other, stateAt(1).weights).ok);
  const notCheckpoint = readCheckpoint(other);
  t.false(notCheckpoint.ok);
  if (!notCheckpoint.ok) t.regex(notCheckpoint.message, /not a cnnc checkpoint/);
});

test('a checkpoint file path resumes too, and plain weights load with the runtime reader', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'run.safetensors');
  saveCheckpoint(path, stateAt(1));
  saveCheckpoint(path, stateAt(2));
  t.true(existsSync(join(dir, 'run.prev.safetensors')));
  const loaded = loadCheckpoint(path);
  t.is(loaded.ok && loaded.value.state.epoch, 2);
  const weightsPath = join(dir, 'weights.safetensors');
  saveWeights(weightsPath, stateAt(2).weights, { model: 'LeNet5' });
  const file = readSafetensors(readFileSync(weightsPath));
  t.deepEqual([...file.tensors.keys()], ['conv1.weight', 'conv1.bias']);
  t.deepEqual(file.get('conv1.bias').data, Float32Array.from([2, -2]));
});

test('a writer process killed with SIGKILL at any moment leaves a usable checkpoint', async (t) => {
  const { spawn } = await import('node:child_process');
  const writer = new URL('./checkpoint-writer.ts', import.meta.url).pathname;
  for (const extraDelay of [0, 37, 91]) {
    const dir = tempDir(t);
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Wait until at least two checkpoints exist, then kill at an arbitrary later instant.
    await new Promise<void>((resolve) => {
      let lines = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        lines += chunk.toString().split('\n').length - 1;
        if (lines >= 2) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, extraDelay));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const loaded = loadCheckpoint(dir);
    if (!loaded.ok) return t.fail(loaded.message);
    t.deepEqual(loaded.value.warnings, [], `killed after +${extraDelay} ms`);
    const epoch = loaded.value.state.epoch;
    t.true(epoch >= 2);
    t.true(loaded.value.state.weights.get('fc.weight')?.data.every((value) => value === epoch));
  }
});
