// The CLI loads a heavy dependency only for the command that needs it: binaryen (a 14.8 MB
// module) only when a build targets wasm, ts-morph and prettier only when a build writes
// TypeScript, so `check` and `summary` start fast. Runs the built CLI (bin/cnnc.js on dist/, as
// `npm test` builds it) with a preload that reports every package a run loads.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { builtCli } from '../hostile/run.js';

const PRELOAD = new URL('../helpers/report-packages.mjs', import.meta.url).href;

/** The packages `cnnc …args` loads (it must exit 0). */
function packagesLoadedBy(args: string[]): Set<string> {
  const run = spawnSync(process.execPath, ['--import', PRELOAD, 'bin/cnnc.js', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  if (run.status !== 0) throw new Error(`cnnc ${args.join(' ')}: ${run.stderr}`);
  return new Set(String(run.output[3]).split('\n').filter(Boolean));
}

const heavy = ['binaryen', 'ts-morph', 'prettier'];

test('the CLI is built (npm run build) before these runs', (t) => {
  t.true(builtCli, 'dist/ is missing: run `npm run build` first');
});

for (const command of ['check', 'summary']) {
  test(`cnnc ${command} loads none of ${heavy.join(', ')}`, (t) => {
    const loaded = packagesLoadedBy([command, 'examples/mnist_mlp.cnn']);
    // The probe sees what a run loads (chevrotain is the parser); a static import of binaryen in
    // compiler/cli/main.ts shows up here as `binaryen` and fails the test.
    t.true(loaded.has('chevrotain'), 'the probe sees the packages the parser loads');
    t.deepEqual(
      heavy.filter((name) => loaded.has(name)),
      [],
    );
  });
}
