// Everything the children share, made once per run in build/bench/: the generated modules (gpu.js
// target, and the wasm target when `cnnc build --target wasm` exists), cnnc's seeded weights, the
// model description, ONNX and PyTorch models, inputs and labels, and `cnnc summary --json` counts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import type { ModelInfo } from './protocol.js';
import type { Architecture, Workload } from './workloads.js';

export const PYTHON = '/usr/bin/python3';

export interface CommandResult {
  ok: boolean;
  ms: number;
  stdout: string;
  /** The first line of stderr (or of stdout) when the command failed. */
  error: string;
}

/** Runs `node bin/cnnc.js …args` from the repository root (the compiled CLI, as users run it). */
export function runCnnc(root: string, args: string[]): CommandResult {
  return runCommand(root, process.execPath, [join(root, 'bin/cnnc.js'), ...args]);
}

export function runCommand(
  root: string,
  command: string,
  args: string[],
  timeoutMs = 600_000,
): CommandResult {
  const start = performance.now();
  const run = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 26,
  });
  const ms = performance.now() - start;
  const text = `${run.stderr ?? ''}\n${run.error?.message ?? ''}\n${run.stdout ?? ''}`;
  const error =
    text
      .split('\n')
      .map((line) => line.replace(/^error:\s*/, '').trim())
      .find((line) => line !== '') ?? `exit ${run.status}`;
  return { ok: run.status === 0, ms, stdout: run.stdout ?? '', error };
}

/** What is prepared for one architecture; a null path comes with the reason in `…Reason`. */
export interface PreparedModel {
  info: ModelInfo;
  infoPath: string;
  weightsPath: string;
  gpujsModule: string;
  wasmModule: string | null;
  wasmReason: string;
  onnxPath: string | null;
  onnxReason: string;
  onnxNote: string;
  torchModule: string | null;
}

export interface PrepareNeeds {
  wasm: boolean;
  onnx: boolean;
  pytorch: boolean;
  torchAvailable: boolean;
}

function moduleFile(dir: string, file: string, ext: string): string | null {
  const stem = basename(file, '.cnn');
  const exact = join(dir, `${stem}${ext}`);
  if (existsSync(exact)) return exact;
  const match = existsSync(dir) ? readdirSync(dir).find((name) => name.endsWith(ext)) : undefined;
  return match === undefined ? null : join(dir, match);
}

/** Builds, seeds and exports one architecture; throws only when the gpu.js build itself fails. */
export function prepareModel(
  root: string,
  work: string,
  arch: Architecture,
  file: string,
  needs: PrepareNeeds,
): PreparedModel {
  const dir = (name: string) => {
    const path = join(work, name, arch);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const gpujsDir = dir('gpujs');
  const gpujs = runCnnc(root, [
    'build',
    file,
    '-o',
    gpujsDir,
    '--emit',
    'js',
    '--target',
    'gpujs',
    '--train',
  ]);
  const gpujsModule = moduleFile(gpujsDir, file, '.mjs');
  if (!gpujs.ok || gpujsModule === null) throw new Error(`cnnc build ${file}: ${gpujs.error}`);

  const weightsPath = join(dir('weights'), 'weights.safetensors');
  const infoPath = join(dir('weights'), 'info.json');
  const seeded = runCommand(root, process.execPath, [
    '--import',
    'tsx',
    'bench/children/make-weights.ts',
    gpujsModule,
    arch,
    weightsPath,
    infoPath,
  ]);
  if (!seeded.ok) throw new Error(`seeding ${arch}: ${seeded.error}`);
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as ModelInfo;

  let wasmModule: string | null = null;
  let wasmReason = 'not selected';
  if (needs.wasm) {
    const wasmDir = dir('wasm');
    const wasm = runCnnc(root, [
      'build',
      file,
      '-o',
      wasmDir,
      '--emit',
      'js',
      '--target',
      'wasm',
      '--train',
    ]);
    wasmModule = wasm.ok ? moduleFile(wasmDir, file, '.mjs') : null;
    wasmReason = wasm.ok ? 'no module written' : `cnnc build --target wasm: ${wasm.error}`;
  }

  let torchModule: string | null = null;
  if (needs.pytorch && needs.torchAvailable) {
    const torchDir = dir('pytorch');
    const emitted = runCnnc(root, ['build', file, '-o', torchDir, '--emit', 'pytorch']);
    torchModule = emitted.ok ? moduleFile(torchDir, file, '.py') : null;
  }

  let onnxPath: string | null = null;
  let onnxReason = 'not selected';
  let onnxNote = '';
  if (needs.onnx) {
    const onnxDir = dir('onnx');
    const emitted = runCnnc(root, [
      'build',
      file,
      '-o',
      onnxDir,
      '--emit',
      'onnx',
      '--weights',
      weightsPath,
    ]);
    onnxPath = emitted.ok ? moduleFile(onnxDir, file, '.onnx') : null;
    onnxNote = 'cnnc --emit onnx';
    if (onnxPath === null && needs.torchAvailable) {
      const exported = join(onnxDir, 'torch-export.onnx');
      const spec = join(onnxDir, 'export-spec.json');
      writeFileSync(
        spec,
        JSON.stringify({ infoPath, weightsPath, onnxPath: exported, torchModulePath: torchModule }),
      );
      const run = runCommand(root, PYTHON, ['bench/children/torch_bench.py', 'export', spec]);
      const line = run.stdout.split('\n').find((l) => l.startsWith('@@bench-result '));
      const result =
        line === undefined
          ? null
          : (JSON.parse(line.slice(15)) as { ok: boolean; reason?: string; note?: string });
      if (result?.ok && existsSync(exported)) {
        onnxPath = exported;
        onnxNote = `${result.note ?? 'torch.onnx.export'} (cnnc --emit onnx: ${emitted.error})`;
      } else {
        onnxReason = `no ONNX model: --emit onnx: ${emitted.error}; torch.onnx.export: ${result?.reason ?? run.error}`;
      }
    } else if (onnxPath === null) {
      onnxReason = `no ONNX model: --emit onnx: ${emitted.error}; python3-torch absent`;
    }
  }
  return {
    info,
    infoPath,
    weightsPath,
    gpujsModule,
    wasmModule,
    wasmReason,
    onnxPath,
    onnxReason,
    onnxNote,
    torchModule,
  };
}

/** Totals of `cnnc summary --json --batch B` the report needs. */
export function summaryCounts(
  root: string,
  workload: Workload,
): { flopsPerImage: number; trainingBytesBatch: number } {
  const run = runCnnc(root, [
    'summary',
    workload.file,
    '--json',
    '--batch',
    String(workload.batch),
  ]);
  if (!run.ok) throw new Error(`cnnc summary ${workload.file}: ${run.error}`);
  const parsed = JSON.parse(run.stdout) as {
    totals: { flops: number; trainingBytesBatch: number };
  };
  return {
    flopsPerImage: parsed.totals.flops,
    trainingBytesBatch: parsed.totals.trainingBytesBatch,
  };
}

/**
 * A deterministic input in [-1, 1) (a linear congruential sequence, the same on every run) and
 * labels `(7·i) mod classes`; written as raw float32 / int32 files.
 */
export function writeInputs(
  work: string,
  workload: Workload,
  info: ModelInfo,
): { inputPath: string; labelsPath: string } {
  const dir = join(work, 'inputs');
  mkdirSync(dir, { recursive: true });
  const perSample = info.inputShape.reduce((a, b) => a * b, 1);
  const input = new Float32Array(perSample * workload.batch);
  let state = 12345;
  for (let idx = 0; idx < input.length; idx++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    input[idx] = (state / 2 ** 32) * 2 - 1;
  }
  const classes = info.outputShape.length === 1 ? info.outputShape[0] : 1;
  const labels = Int32Array.from({ length: workload.batch }, (_, idx) => (7 * idx) % classes);
  const inputPath = join(dir, `${workload.id}.f32`);
  const labelsPath = join(dir, `${workload.id}.i32`);
  writeFileSync(inputPath, new Uint8Array(input.buffer));
  writeFileSync(labelsPath, new Uint8Array(labels.buffer));
  return { inputPath, labelsPath };
}

/**
 * Bundles `@tensorflow/tfjs-core/dist/register_all_gradients.js` (ES modules with extensionless
 * imports, which Node cannot load as they are) into one module for the tfjs training children.
 */
export async function bundleTfjsGradients(root: string, work: string): Promise<string> {
  const outfile = join(work, 'tfjs-gradients.mjs');
  await build({
    entryPoints: [join(root, 'node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
