// Every example builds for the wasm target (no layer is left without a kernel), the modules
// type-check under strict, building is deterministic, and the small examples agree with the gpu.js
// target within 1e-4 on a seeded input. (The large ones are compared by test/wasm/agreement.ts,
// which takes minutes on gpu.js: `npx tsx test/wasm/agreement.ts`.)
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import { allclose } from '../../runtime/tensor.js';
import { buildSource, inputFor } from '../emit/build-helper.js';
import { buildWasm } from './build-wasm.js';

const OUT = 'build/test-wasm-examples';
const examples = readdirSync('examples')
  .filter((name) => name.endsWith('.cnn'))
  .sort();
const SMALL = ['lenet5', 'mnist_mlp', 'fashion_cnn', 'seq1d', 'unet_small'];

async function buildExample(name: string): Promise<string[]> {
  const file = `examples/${name}`;
  const compiled = compileSource(file, readFileSync(file, 'utf8'));
  const codes: string[] = [];
  for (const model of compiled.program.models) {
    const built = await buildModel(model, {
      level: 2,
      conv: 'auto',
      emit: 'ts',
      source: file,
      texts: compiled.texts,
      target: wasmTarget,
      runtimeModule: 'cnnc/runtime/wasm',
    });
    if (!built.code)
      throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
    codes.push(built.code);
  }
  return codes;
}

const files: string[] = [];
for (const name of examples)
  test.serial(`${name} builds for wasm`, async (t) => {
    t.timeout(300_000); // the large models take a while on a loaded 2-core machine
    mkdirSync(OUT, { recursive: true });
    const stem = name.replace(/\.cnn$/, '');
    const codes = await buildExample(name);
    codes.forEach((code, idx) => {
      const path = join(OUT, `${stem}${idx > 0 ? `-${idx}` : ''}.ts`);
      writeFileSync(path, code);
      files.push(path);
    });
    if (stem === 'lenet5') t.deepEqual(await buildExample(name), codes, 'deterministic');
    t.true(codes.every((code) => code.includes('wasmSpec')));
    // Every layer function's doc line names its source (phase functions once read `undefined`).
    for (const code of codes)
      for (const line of code.split('\n').filter((text) => /^\s*\* - `\w+`: /.test(text)))
        t.regex(line, /\.cnn:\d+:\d+ \S|: gradient sum$/, line);
  });

test.serial('the wasm modules of every example type-check under strict', (t) => {
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      skipLibCheck: true,
      types: ['node'],
      paths: { 'cnnc/runtime/wasm': [resolve('runtime/wasm/index.ts')] },
    },
    files: files.map((file) => resolve(file)),
  };
  t.is(files.length, examples.length + 1, 'googlenet.cnn has two models');
  writeFileSync(join(OUT, 'tsconfig.json'), JSON.stringify(config, null, 2));
  try {
    execFileSync('npx', ['tsc', '-p', join(OUT, 'tsconfig.json')], { encoding: 'utf8' });
    t.pass();
  } catch (error) {
    t.fail(String((error as { stdout?: string }).stdout ?? error));
  }
});

for (const stem of SMALL)
  test.serial(`${stem}: wasm agrees with gpu.js within 1e-4`, async (t) => {
    const source = readFileSync(`examples/${stem}.cnn`, 'utf8');
    const wasm = await buildWasm(`agree-${stem}`, source);
    const gpujs = await buildSource(`agree-${stem}`, source);
    const a = await wasm.module.create({ seed: 7, threads: 2, workers: 'always' });
    const b = await gpujs.module.create({ seed: 7, mode: 'webasm', threads: false });
    try {
      const batch = 2;
      const x = inputFor(batch * wasm.module.inputShape.reduce((p, d) => p * d, 1), 9);
      const report = allclose(await a.forward(x, batch), await b.forward(x, batch), 1e-4, 1e-5);
      t.true(report.ok, report.message);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
