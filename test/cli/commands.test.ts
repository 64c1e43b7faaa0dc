// The check, fmt, explain and summary commands, run in-process.
import test from 'ava';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnc-commands-'));

test('check: a clean file exits 0 with no output', async (t) => {
  const run = await runCli(['check', 'examples/lenet5.cnn']);
  t.is(run.code, 0);
  t.is(run.stderr, '');
});

test('check: warnings exit 0 unless --deny-warnings', async (t) => {
  const file = join(dir, 'warn.cnn');
  writeFileSync(file, 'model M {\n  input x: [3, 8, 8]\n  let unused = relu\n  output y\n}\n');
  const plain = await runCli(['check', file]);
  t.is(plain.code, 0);
  t.regex(plain.stderr, /warning\[CNN2012\]/);
  const denied = await runCli(['check', '--deny-warnings', file]);
  t.is(denied.code, 1);
  t.regex(denied.stderr, /error\[CNN2012\]/);
});

test('check --format json prints the versioned report on stdout', async (t) => {
  const run = await runCli([
    'check',
    '--format',
    'json',
    'test/golden/diagnostics/unknown-layer.cnn',
  ]);
  t.is(run.code, 1);
  const report = JSON.parse(run.stdout) as { version: number; diagnostics: { code: string }[] };
  t.is(report.version, 1);
  t.deepEqual(
    report.diagnostics.map((d) => d.code),
    ['CNN2001', 'CNN2001'],
  );
});

test('fmt --check reports unformatted files; fmt rewrites them', async (t) => {
  const file = join(dir, 'messy.cnn');
  writeFileSync(file, 'model M{input x:[1,8,8]\nrelu;output y}\n');
  const check = await runCli(['fmt', '--check', file]);
  t.is(check.code, 1);
  t.regex(check.stdout, /not formatted/);
  t.is((await runCli(['fmt', file])).code, 0);
  t.is(readFileSync(file, 'utf8'), 'model M {\n  input x: [1, 8, 8]\n  relu; output y\n}\n');
  t.is((await runCli(['fmt', '--check', file])).code, 0);
});

test('explain prints the page of a code, and suggests for an unknown one', async (t) => {
  const page = await runCli(['explain', 'CNN3014']);
  t.is(page.code, 0);
  t.regex(page.stdout, /^# CNN3014/);
  const unknown = await runCli(['explain', 'CNN3099']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /did you mean/);
});

test('summary prints a table; --json the schema; --model picks one', async (t) => {
  const table = await runCli(['summary', 'examples/lenet5.cnn']);
  t.is(table.code, 0);
  t.regex(table.stdout, /Trainable parameters\s+61,706/);
  const json = await runCli(['summary', '--json', '--batch', '8', 'examples/lenet5.cnn']);
  const parsed = JSON.parse(json.stdout) as {
    schema: string;
    batch: number;
    totals: { trainableParams: number };
  };
  t.is(parsed.schema, 'cnnc.summary/1');
  t.is(parsed.batch, 8);
  t.is(parsed.totals.trainableParams, 61706);
  const wrong = await runCli(['summary', '--model', 'LeNet', 'examples/lenet5.cnn']);
  t.is(wrong.code, 2);
  t.regex(wrong.stderr, /did you mean `LeNet5`/);
});

test('summary on a file with errors shows them and exits 1', async (t) => {
  const file = join(dir, 'broken.cnn');
  copyFileSync('test/golden/diagnostics/unknown-layer.cnn', file);
  const run = await runCli(['summary', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /CNN2001/);
});
