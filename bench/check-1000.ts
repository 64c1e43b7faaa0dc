// Benchmark: `cnnc check` (parse, expand, shape-check) of a generated 1,000-layer model, which
// the issue requires to finish in under a second. Run with `npx tsx bench/check-1000.ts`; it
// prints the median of several runs after a warm-up and exits non-zero above the budget.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileSource } from '../compiler/compile.js';

const LAYERS = 1000;
const RUNS = 7;
const BUDGET_MS = 1000;

/** A chain of `LAYERS` layer statements that keeps the shape [32, 32, 32] throughout. */
export function generateModel(layers: number): string {
  const cycle = [
    'conv(32, 3, pad=1, bias=false)',
    'batchnorm',
    'relu',
    'depthwise(3, pad=same)',
    'conv(32, 1) : [32, 32, 32]',
    'dropout(0.1)',
    'leaky_relu(alpha=0.1)',
    'identity',
  ];
  const body = Array.from({ length: layers }, (_, idx) => `  ${cycle[idx % cycle.length]}`);
  return ['model Deep {', '  input image: [32, 32, 32]', ...body, '  output y', '}', ''].join('\n');
}

function timeCheck(text: string): number {
  const start = performance.now();
  const result = compileSource('deep.cnn', text);
  const elapsed = performance.now() - start;
  const nodes = result.program.models[0]?.nodes.length ?? 0;
  if (result.diagnostics.length > 0 || nodes !== LAYERS + 1) {
    throw new Error(`unexpected result: ${nodes} nodes, ${result.diagnostics.length} diagnostics`);
  }
  return elapsed;
}

const text = generateModel(LAYERS);
const cold = timeCheck(text);
const times = Array.from({ length: RUNS }, () => timeCheck(text)).sort((a, b) => a - b);
const median = times[Math.floor(RUNS / 2)];
console.log(
  `check of a ${LAYERS}-layer model: median ${median.toFixed(1)} ms ` +
    `(min ${times[0].toFixed(1)}, max ${times[RUNS - 1].toFixed(1)}; ${RUNS} runs after a ` +
    `first, cold run of ${cold.toFixed(1)} ms)`,
);

// The same check as a user runs it: a fresh `cnnc check` process (Node start-up included) on the
// compiled CLI in dist/ (built by `npm install`).
const dir = mkdtempSync(join(tmpdir(), 'cnnc-bench-'));
const file = join(dir, 'deep.cnn');
writeFileSync(file, text);
const processTimes = Array.from({ length: 5 }, () => {
  const start = performance.now();
  const run = spawnSync(process.execPath, ['bin/cnnc.js', 'check', file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`cnnc check failed: ${run.stderr}`);
  return performance.now() - start;
}).sort((a, b) => a - b);
const processMedian = processTimes[2];
console.log(
  `\`cnnc check\` as a process on the same model: median ${processMedian.toFixed(0)} ms of 5 runs`,
);
if (cold > BUDGET_MS || median > BUDGET_MS || processMedian > BUDGET_MS) process.exitCode = 1;
