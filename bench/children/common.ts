// Shared by the Node children: read the spec, time a run (warm-up, then repeats within the
// budget), report one result line. Python has the same in torch_bench.py.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  RESULT_PREFIX,
  type ChildResult,
  type ChildSpec,
  type ModelInfo,
} from '../lib/protocol.js';

export function readSpec(): ChildSpec {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: child SPEC.json');
  return JSON.parse(readFileSync(file, 'utf8')) as ChildSpec;
}

export function readInfo(spec: ChildSpec): ModelInfo {
  return JSON.parse(readFileSync(spec.infoPath, 'utf8')) as ModelInfo;
}

export function readFloat32(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export function readInt32(path: string): Int32Array {
  const bytes = readFileSync(path);
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

export function writeFloat32(path: string, data: Float32Array): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** What one run of a workload gives back: the output to compare, and the loss of a training step. */
export interface RunOutput {
  output: Float32Array;
  loss?: number;
}

/**
 * Runs `run` once as a warm-up (its output is written for comparison), then `repeats` more times,
 * fewer when the warm-up says they would not fit in the budget (at least one).
 */
export async function measure(
  spec: ChildSpec,
  setupMs: number,
  baselineRssBytes: number,
  run: () => Promise<RunOutput>,
  note?: string,
): Promise<ChildResult> {
  let start = performance.now();
  const first = await run();
  const warmupMs = performance.now() - start;
  writeFloat32(spec.outputPath, first.output);
  const repeats = Math.max(1, Math.min(spec.repeats, Math.floor(spec.budgetMs / warmupMs)));
  const timesMs: number[] = [];
  for (let idx = 0; idx < repeats; idx++) {
    start = performance.now();
    await run();
    timesMs.push(performance.now() - start);
  }
  return {
    ok: true,
    warmupMs,
    timesMs,
    setupMs,
    baselineRssBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(first.loss !== undefined ? { loss: first.loss } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/** Prints the result line the parent reads, then exits (worker pools must not keep us alive). */
export function report(result: ChildResult): never {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Runs a child's main; any error becomes an "n/a (message)" result, never a stack trace. */
export function runChild(main: () => Promise<ChildResult>): void {
  main().then(report, (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    report({ ok: false, reason: message.split('\n')[0].slice(0, 200) });
  });
}
