// Compares the wasm target with the gpu.js target on every example (batch 1, seeded weights and
// input), printing the worst relative error and both times. Not a test file (it takes minutes on
// gpu.js): `npx tsx test/wasm/agreement.ts [example…]`. Exit code 1 when one disagrees beyond 1e-4.
import { readdirSync, readFileSync } from 'node:fs';
import { allclose } from '../../runtime/tensor.js';
import { buildSource, inputFor } from '../emit/build-helper.js';
import { buildWasm } from './build-wasm.js';

const names =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync('examples')
        .filter((name) => name.endsWith('.cnn'))
        .map((name) => name.replace(/\.cnn$/, ''))
        .sort();
let failed = false;
for (const stem of names) {
  const source = readFileSync(`examples/${stem}.cnn`, 'utf8');
  const wasm = await buildWasm(`agreement-${stem}`, source);
  const gpujs = await buildSource(`agreement-${stem}`, source);
  const a = await wasm.module.create({ seed: 7 });
  const b = await gpujs.module.create({ seed: 7, mode: 'webasm' });
  const x = inputFor(
    wasm.module.inputShape.reduce((p, d) => p * d, 1),
    9,
  );
  let start = performance.now();
  const ya = await a.forward(x, 1);
  const wasmMs = performance.now() - start;
  start = performance.now();
  const yb = await b.forward(x, 1);
  const gpujsMs = performance.now() - start;
  const report = allclose(ya, yb, 1e-4, 1e-5);
  failed ||= !report.ok;
  console.log(
    `${stem}: ${report.ok ? 'agree' : 'DISAGREE'} (worst ${report.worstRatio.toFixed(3)}× tolerance), wasm ${wasmMs.toFixed(0)} ms, gpu.js ${gpujsMs.toFixed(0)} ms`,
  );
  await a.dispose();
  await b.dispose();
}
process.exit(failed ? 1 : 0);
