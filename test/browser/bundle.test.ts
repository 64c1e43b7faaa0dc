// `cnnc build --target browser` writes self-contained ES modules: no import a browser would have
// to resolve (`cnnc/runtime`, `gpu.js`), no Node-only module, and none of gpu.js's WebGPU backend.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runCli } from '../helpers/run-cli.js';

/** Every import and require a bundle still makes, as esbuild's parser finds them. */
async function importsOf(text: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: text, loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'external',
        setup: (builder) =>
          builder.onResolve({ filter: /.*/ }, (args) => ({ path: args.path, external: true })),
      },
    ],
  });
  return result.metafile.inputs['<stdin>'].imports.map((record) => `${record.kind} ${record.path}`);
}

test('the browser build is two self-contained ES modules, the worker next to the page bundle', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnc-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const built = await runCli(['build', 'examples/lenet5.cnn', '-o', dir, '--target', 'browser']);
  t.is(built.code, 0, built.stderr);
  t.regex(built.stderr, /bundled → .*lenet5\.browser\.js \(\d+ KiB\)/);
  t.regex(built.stderr, /bundled → .*lenet5\.worker\.js \(\d+ KiB\)/);
  const main = readFileSync(join(dir, 'lenet5.browser.js'), 'utf8');
  const worker = readFileSync(join(dir, 'lenet5.worker.js'), 'utf8');
  for (const [name, text] of [
    ['browser', main],
    ['worker', worker],
  ] as const) {
    t.deepEqual(await importsOf(text), [], `${name}: nothing left to import`);
    t.false(text.includes('createComputePipeline'), `${name}: no WebGPU backend`);
    t.true(text.includes('WebGL2Kernel') || /webgl2/.test(text), `${name}: the WebGL2 backend`);
  }
  t.regex(main, /export\s*\{[^}]*\bcreateInWorker\b/, 'the page bundle exports createInWorker');
  t.regex(main, /export\s*\{[^}]*\bcreate\b/, 'and the generated module’s create');
  t.regex(
    main,
    /new URL\("\.\/lenet5\.worker\.js",\s*import\.meta\.url\)/,
    'the worker next to it',
  );
  t.log(
    `lenet5.browser.js: ${(main.length / 1024).toFixed(0)} KiB, lenet5.worker.js: ${(worker.length / 1024).toFixed(0)} KiB`,
  );
});
