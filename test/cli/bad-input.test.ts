// Bad input at the command line gives one clear line and exit code 1 or 2, never a stack trace.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnc-bad-input-'));
const files = {
  directory: join(dir, 'models'),
  binary: join(dir, 'weights.cnn'),
  empty: join(dir, 'empty.cnn'),
  huge: join(dir, 'huge.cnn'),
  latin1: join(dir, 'latin1.cnn'),
};
mkdirSync(files.directory);
writeFileSync(files.binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x00]));
writeFileSync(files.empty, '');
writeFileSync(files.huge, 'model M {\n' + '  relu\n'.repeat((5 * 1024 * 1024) / 7) + '}\n');
writeFileSync(files.latin1, Buffer.from('model M { // caf\xe9\n}\n', 'latin1'));

const cases: [string, string, number, RegExp][] = [
  ['a missing file', join(dir, 'nope.cnn'), 2, /^error: cannot read `.*nope\.cnn`: no such file$/],
  ['a directory', files.directory, 2, /^error: `.*models` is a directory; pass \.cnn files$/],
  [
    'a binary file',
    files.binary,
    1,
    /^error\[CNN1022\]: `.*weights\.cnn` is a binary file, not a model$/,
  ],
  [
    'a 5 MB file',
    files.huge,
    1,
    /^error\[CNN1023\]: `.*huge\.cnn` is 5\.0 MB; model files may be at most 1\.0 MB$/,
  ],
  [
    'invalid UTF-8',
    files.latin1,
    1,
    /^error\[CNN1021\]: `.*latin1\.cnn` is not valid UTF-8 \(first bad byte at offset 16\)$/,
  ],
];

for (const [what, path, code, line] of cases) {
  test(`check on ${what}: one line, exit ${code}`, (t) => {
    const run = spawnCli(['check', path]);
    t.is(run.code, code);
    t.is(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    t.is(lines.length, 1, run.stderr);
    t.regex(lines[0], line);
    t.notRegex(run.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('check on an empty file: a CNN1020 error and exit 1', (t) => {
  const run = spawnCli(['check', files.empty]);
  t.is(run.code, 1);
  t.regex(run.stderr, /^error\[CNN1020\]: the file is empty/);
  t.notRegex(run.stderr, /\n\s+at /);
});

test('usage errors exit 2 with a hint, and --help / --version exit 0', (t) => {
  const unknown = spawnCli(['chekc', 'x.cnn']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command 'chekc'/);
  const help = spawnCli(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /Usage: cnnc/);
  for (const command of ['check', 'fmt', 'summary', 'explain']) {
    const sub = spawnCli([command, '--help']);
    t.is(sub.code, 0, command);
    t.regex(sub.stdout, new RegExp(`Usage: cnnc ${command}`));
  }
  for (const args of [['--version'], ['check', '--version'], ['summary', '--version']]) {
    const version = spawnCli(args);
    t.is(version.code, 0, args.join(' '));
    t.regex(version.stdout, /^\d+\.\d+\.\d+\n$/);
  }
});
