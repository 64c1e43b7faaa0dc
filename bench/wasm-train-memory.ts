// Where a wasm-target training step's resident memory goes: VmRSS and its peak (VmHWM) of this
// process after the imports, after `create`, after the first and second training steps and after
// ten more, as growth over the first. Not a test; see docs/wasm-target.md ("Training memory").
//
//   npm run bench -- --only lenet5-train-b64 --engines cnnc-wasm   # builds build/bench/wasm/…
//   npx tsx bench/wasm-train-memory.ts build/bench/wasm/lenet5/lenet5.mjs --batch 64 --threads 2
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Model {
  trainStep(input: Float32Array, labels: ArrayLike<number>, batch: number): Promise<unknown>;
  dispose(): Promise<void>;
}
interface Module {
  create(options: Record<string, unknown>): Promise<Model>;
  inputShape: readonly number[];
  outputShape: readonly number[];
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`error: ${name} takes a positive integer\n`);
    process.exit(2);
  }
  return value;
}

/** VmRSS and VmHWM of this process, in MB. */
function status(): { rss: number; peak: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(text)?.[1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

const path = process.argv[2];
if (!path || path.startsWith('--')) {
  process.stderr.write(
    'usage: npx tsx bench/wasm-train-memory.ts MODULE.mjs [--batch B] [--threads T]\n',
  );
  process.exit(2);
}
const batch = option('--batch', 64);
const threads = option('--threads', 2);
const generated = (await import(pathToFileURL(resolve(path)).href)) as Module;
const size = generated.inputShape.reduce((acc, dim) => acc * dim, 1);
const classes = generated.outputShape[0];
let state = 1;
const input = Float32Array.from({ length: batch * size }, () => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 31 - 1;
});
const labels = Int32Array.from({ length: batch }, (_, idx) => (7 * idx) % classes);
const base = status();
const line = (stage: string) => {
  const now = status();
  const mb = (value: number) => `${value.toFixed(1).padStart(6)} MB`;
  process.stdout.write(
    `${stage.padEnd(16)} RSS ${mb(now.rss)} (+${(now.rss - base.rss).toFixed(1)})  peak ${mb(now.peak)} (+${(now.peak - base.rss).toFixed(1)})\n`,
  );
};
line('after imports');
const model = await generated.create({ threads });
line('create');
await model.trainStep(input, labels, batch);
line('first step');
await model.trainStep(input, labels, batch);
line('second step');
for (let step = 0; step < 10; step++) await model.trainStep(input, labels, batch);
line('ten more steps');
await model.dispose();
process.exit(0);
