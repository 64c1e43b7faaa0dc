// `cnnc build --emit js` writes an ES module; as `.js` it failed to load in a folder whose
// package.json says `"type": "commonjs"` (what `npm init -y` writes) with "Cannot use import
// statement outside a module". It is written as `.mjs`, which Node loads whatever the type.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../helpers/run-cli.js';

// The same script runs on the module of either Node target (`threads: false` and
// `model.backend.kernelClass` mean the same on both); the default is the wasm target.
for (const [target, runtimePath, kernelClass] of [
  ['gpujs', 'runtime/index.ts', 'WebAssembly'],
  ['wasm', 'runtime/wasm/index.ts', 'cnnc-wasm'],
] as const)
  test(`--emit js writes a .mjs module that runs in a commonjs package (--target ${target})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cnnc-emit-js-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', type: 'commonjs' }));
    // The runtime from the sources through tsx, so that no build is needed.
    const runtime = pathToFileURL(resolve(runtimePath)).href;
    const args = [
      'build',
      'examples/mnist_mlp.cnn',
      '-o',
      dir,
      '--emit',
      'js',
      '--runtime',
      runtime,
    ];
    const built = await runCli([...args, '--target', target]);
    t.is(built.code, 0, built.stderr);
    t.regex(built.stderr, /→ .*mnist_mlp\.mjs$/m);
    t.true(existsSync(join(dir, 'mnist_mlp.mjs')));
    t.false(existsSync(join(dir, 'mnist_mlp.js')));
    writeFileSync(
      join(dir, 'run.js'),
      [
        "import('./mnist_mlp.mjs').then(async ({ create, inputShape }) => {",
        '  const model = await create({ seed: 1, threads: false });',
        '  const size = inputShape.reduce((a, b) => a * b, 1);',
        '  const out = await model.forward(new Float32Array(size).fill(0.5), 1);',
        '  console.log(out.length, model.backend.kernelClass, out.every(Number.isFinite));',
        '  await model.dispose();',
        '});',
      ].join('\n'),
    );
    // tsx by absolute URL: the temporary folder has no node_modules.
    const tsx = import.meta.resolve('tsx');
    const output = execFileSync(process.execPath, ['--import', tsx, 'run.js'], {
      cwd: dir,
      encoding: 'utf8',
    });
    t.is(output.trim(), `10 ${kernelClass} true`);
  });
