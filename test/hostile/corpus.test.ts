// The hostile corpus (./corpus.ts: deep nesting of every construct, huge literals, huge loops,
// files at the size and token limits) through the real CLI. In `npm test`, `fmt` runs in-process
// (the same `main`) on every case, and so does `summary`, on the cases that compile (on the others
// it stops where `check` does, with the same report). In `npm run test:slow` (ava.config.js,
// `split`), `check` runs on every case as a separate process (bin/cnnc.js), and `build` in-process
// on the cases that compile. In-process runs go one at a time.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../compiler/cli/main.js';
import type { Io } from '../../compiler/host/io.js';
import { allTextCases } from './corpus.js';
import { slowSuite } from '../helpers/suite.js';
import { assertHandled, builtCli, runCnnc, type Run } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnc-hostile-'));
const out = join(dir, 'out');
mkdirSync(out);
const files = allTextCases.map((c, idx) => {
  const file = join(dir, `case-${idx}.cnn`);
  writeFileSync(file, c.text());
  return file;
});

test('the CLI is built (npm run build) before the corpus runs', (t) => {
  t.true(builtCli, 'dist/ is missing: run `npm run build` first');
});

if (slowSuite)
  allTextCases.forEach((c, idx) => {
    test(`cnnc check on ${c.name}`, async (t) => {
      assertHandled(t, await runCnnc(['check', files[idx]]), c.mayPass);
    });
  });

async function inProcess(args: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { out: (s) => stdout.push(s), err: (s) => stderr.push(s), color: false };
  const started = Date.now();
  const cpu = process.cpuUsage();
  const code = await main(['node', 'cnnc', ...args], io);
  const used = process.cpuUsage(cpu);
  const cpuMs = Math.round((used.user + used.system) / 1000);
  const ms = Date.now() - started;
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), ms, cpuMs, killed: false };
}

const commands: [string, (file: string) => string[], boolean][] = slowSuite
  ? [['build', (file) => ['build', file, '-o', out], true]]
  : [
      ['fmt --check', (file) => ['fmt', '--check', file], false],
      ['summary', (file) => ['summary', file], true],
    ];

for (const [name, args, compilingOnly] of commands)
  allTextCases.forEach((c, idx) => {
    if (compilingOnly && !c.mayPass) return;
    test.serial(`cnnc ${name} on ${c.name}`, async (t) => {
      const formatting = name.startsWith('fmt');
      assertHandled(t, await inProcess(args(files[idx])), c.mayPass || formatting, formatting);
    });
  });
