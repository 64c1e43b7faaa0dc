// `cnnc build --emit onnx` from the command line: it writes `<file>.onnx` that onnxruntime loads,
// `--weights` exports trained weights (the same as loading them into the generated module), and
// bad options or files are one-line errors, never a stack trace.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, inputsFor, onnxBytes, runOnnx } from './onnx-helpers.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnc-onnx-cli-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const lenet = compile('examples/lenet5.cnn', readFileSync('examples/lenet5.cnn', 'utf8'));
const model = lenet.program.models[0];

test.serial('--emit onnx writes lenet5.onnx, seeded like create({ seed })', async (t) => {
  const run = await runCli([
    'build',
    'examples/lenet5.cnn',
    '--emit',
    'onnx',
    '--seed',
    '4',
    '-o',
    dir,
  ]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /exported LeNet5 → .*lenet5\.onnx \(ONNX opset 17\)/);
  const written = readFileSync(join(dir, 'lenet5.onnx'));
  const inputs = inputsFor(model, 2, 1);
  const out = await runOnnx(written, model, inputs, 2);
  const expected = await runOnnx(onnxBytes(lenet, model, { seed: 4 }), model, inputs, 2);
  t.is(out.logits.length, 20);
  t.deepEqual(out.logits, expected.logits);
  const other = await runOnnx(onnxBytes(lenet, model, { seed: 5 }), model, inputs, 2);
  t.notDeepEqual(out.logits, other.logits);
});

test.serial('--weights exports the file`s tensors', async (t) => {
  const weightsRun = await runCli([
    'build',
    'examples/lenet5.cnn',
    '--emit',
    'onnx',
    '--seed',
    '8',
    '-o',
    dir,
  ]);
  t.is(weightsRun.code, 0);
  // A safetensors file of seed-8 weights, written by the runtime's own writer.
  const { exportWeights } = await import('../../compiler/export/onnx/index.js');
  const { writeWeights } = await import('../../runtime/params.js');
  const { onnxParamSpecs } = await import('../../compiler/export/onnx/index.js');
  const values = exportWeights(model, undefined, { seed: 8 });
  if (!values.ok) return t.fail(values.message);
  const file = join(dir, 'w.safetensors');
  writeFileSync(file, writeWeights(onnxParamSpecs(model), values.weights));
  const out = join(dir, 'loaded');
  const run = await runCli([
    'build',
    'examples/lenet5.cnn',
    '--emit',
    'onnx',
    '--weights',
    file,
    '-o',
    out,
  ]);
  t.is(run.code, 0, run.stderr);
  t.deepEqual(readFileSync(join(out, 'lenet5.onnx')), readFileSync(join(dir, 'lenet5.onnx')));
});

test.serial('bad weights and options are one-line errors', async (t) => {
  const missing = await runCli([
    'build',
    'examples/lenet5.cnn',
    '--emit',
    'onnx',
    '--weights',
    join(dir, 'nope'),
    '-o',
    dir,
  ]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /^error: cannot read weights file `.*nope` \(ENOENT\)$/);
  const junk = join(dir, 'junk.safetensors');
  writeFileSync(junk, 'not safetensors at all');
  const bad = await runCli([
    'build',
    'examples/lenet5.cnn',
    '--emit',
    'onnx',
    '--weights',
    junk,
    '-o',
    dir,
  ]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^error: .*junk\.safetensors: safetensors: [^\n]+$/);
  const seed = await runCli([
    'build',
    'examples/lenet5.cnn',
    '--emit',
    'onnx',
    '--seed',
    '-1',
    '-o',
    dir,
  ]);
  t.is(seed.code, 2);
  t.is(seed.stderr, 'error: --seed takes a non-negative integer, found -1');
});
