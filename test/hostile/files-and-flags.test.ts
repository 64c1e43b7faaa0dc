// Special files, unwritable outputs and bad numeric flags through the real CLI: each gives one
// clear line and exit 1 or 2, within the time limit, never an internal error or a hang.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertHandled, runCnnc } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnc-hostile-files-'));
chmodSync(dir, 0o755);
const lenet = 'examples/lenet5.cnn';
const fifo = join(dir, 'fifo.cnn');
execFileSync('mkfifo', [fifo]);
const importing = (path: string): string => {
  const file = join(dir, `imports-${path.replace(/\W/g, '_')}.cnn`);
  writeFileSync(file, `import "${path}"\nmodel M {\n  input x: [4]\n  relu\n  output y\n}\n`);
  return file;
};
const binary = join(dir, 'weights.cnn');
writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x00]));
const huge = join(dir, 'huge.cnn');
writeFileSync(huge, 'model M {\n' + '  relu\n'.repeat(300_000) + '}\n');
const latin1 = join(dir, 'latin1.cnn');
writeFileSync(latin1, Buffer.from('model M { // caf\xe9\n}\n', 'latin1'));
const existing = join(dir, 'existing-file');
writeFileSync(existing, 'not a directory');

/**
 * Read-only files and folders do not stop root: when the tests run as root, the command runs
 * without the capability that overrides them (test/hostile/run.ts, `obeyPermissions`).
 */
const asOther = { obeyPermissions: true };
const readOnlyDir = join(dir, 'read-only');
mkdirSync(readOnlyDir);
chmodSync(readOnlyDir, 0o555);
const readOnlyModel = join(dir, 'read-only.cnn');
writeFileSync(readOnlyModel, 'model M {\n  input x: [4]\n    relu\n  output y\n}\n');
chmodSync(readOnlyModel, 0o444);

const cases: [string, string[], RegExp, { obeyPermissions?: boolean }?][] = [
  ['check /dev/zero', ['check', '/dev/zero'], /^error: `\/dev\/zero` is not a regular file/],
  ['check /dev/urandom', ['check', '/dev/urandom'], /^error: `\/dev\/urandom` is not a regular/],
  ['check on a FIFO', ['check', fifo], /is not a regular file/],
  ['summary /dev/zero', ['summary', '/dev/zero'], /is not a regular file/],
  ['build /dev/zero', ['build', '/dev/zero', '-o', dir], /is not a regular file/],
  ['fmt /dev/zero', ['fmt', '/dev/zero'], /is not a regular file/],
  ['fmt on a FIFO', ['fmt', fifo], /is not a regular file/],
  [
    'import "/dev/zero"',
    ['check', importing('/dev/zero')],
    /^error\[CNN2015\]: cannot import `\/dev\/zero`: .* is not a regular file/,
  ],
  [
    'import "/dev/urandom"',
    ['check', importing('/dev/urandom')],
    /^error\[CNN2015\]: cannot import/,
  ],
  ['import of a FIFO', ['check', importing(fifo)], /^error\[CNN2015\]: cannot import/],
  ['build -o an existing file', ['build', lenet, '-o', existing], /exists and is not a directory/],
  ['build -o /dev/null', ['build', lenet, '-o', '/dev/null'], /exists and is not a directory/],
  ["build -o ''", ['build', lenet, '-o', ''], /^error: -o needs a directory/],
  ['build -o /proc/x', ['build', lenet, '-o', '/proc/x'], /^error: cannot create the output/],
  [
    'build -o a read-only folder',
    ['build', lenet, '-o', readOnlyDir],
    /^error: cannot write to the output directory .*: permission denied$/,
    asOther,
  ],
  [
    'fmt on a read-only file',
    ['fmt', readOnlyModel],
    /^error: cannot write `.*read-only\.cnn`: permission denied$/,
    asOther,
  ],
  ['build on a binary file', ['build', binary, '-o', dir], /^error\[CNN1022\]: .* is a binary/],
  ['build on a 2 MB file', ['build', huge, '-o', dir], /^error\[CNN1023\]: .* is 2\.0 MB/],
  ['build on invalid UTF-8', ['build', latin1, '-o', dir], /^error\[CNN1021\]: .* not valid UTF-8/],
  ['summary --batch 1e20', ['summary', lenet, '--batch', '1e20'], /^error: --batch must be/],
  ['summary --batch 0', ['summary', lenet, '--batch', '0'], /^error: --batch must be/],
  ['summary --batch -3', ['summary', lenet, '--batch', '-3'], /^error: --batch must be/],
  ['summary --batch 1.5', ['summary', lenet, '--batch', '1.5'], /^error: --batch must be/],
  ["summary --batch ''", ['summary', lenet, '--batch', ''], /^error: --batch must be/],
  ['summary --batch 0x10', ['summary', lenet, '--batch', '0x10'], /^error: --batch must be/],
  [
    'summary --batch 2^53',
    ['summary', lenet, '--batch', '9007199254740993'],
    /^error: --batch must be/,
  ],
  ["build -O ''", ['build', lenet, '-O', '', '-o', dir], /^error: -O takes 0, 1 or 2/],
  ['build -O 3', ['build', lenet, '-O', '3', '-o', dir], /^error: -O takes 0, 1 or 2/],
  ['build -O 1.0', ['build', lenet, '-O', '1.0', '-o', dir], /^error: -O takes 0, 1 or 2/],
];

for (const [name, args, message, options] of cases)
  test(`${name}: one clear line`, async (t) => {
    const run = await runCnnc(args, options);
    assertHandled(t, run);
    const lines = run.stderr.trimEnd().split('\n');
    t.regex(lines[0], message);
    if (!lines[0].startsWith('error[')) t.is(lines.length, 1, run.stderr);
  });

test('summary warns when a count passes 2^53 instead of printing it to the digit', async (t) => {
  const file = join(dir, 'wide.cnn');
  // 100,000,000 × 100,000,000 weights: 10^16 parameters, past 2^53 ≈ 9.007 × 10^15.
  writeFileSync(file, 'model M {\n  input x: [100000000]\n  fc(100000000)\n  output y\n}\n');
  const run = await runCnnc(['summary', file]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /^warning: counts of model `M` pass 2\^53 - 1 = 9,007,199,254,740,991/);
  t.regex(run.stdout, /Trainable parameters\s+≈1\.000e\+16/);
  t.notRegex(run.stdout, /10,000,000,100,000,000/);
});

test('a chain of 3,000 files, each importing the next: refused at 64 (CNN2029)', async (t) => {
  const chain = join(dir, 'chain');
  mkdirSync(chain);
  for (let i = 0; i < 3000; i++)
    writeFileSync(
      join(chain, `f${i}.cnn`),
      i < 2999 ? `import "f${i + 1}.cnn"\n` : 'const A = 1\n',
    );
  const root = join(chain, 'root.cnn');
  writeFileSync(root, 'import "f0.cnn"\nmodel M {\n  input x: [4]\n  relu\n  output y\n}\n');
  const run = await runCnnc(['check', root]);
  assertHandled(t, run);
  t.regex(
    run.stderr,
    /^error\[CNN2029\]: imports nested too deeply: `f64\.cnn` is imported through a chain of 64 files/,
  );
});
