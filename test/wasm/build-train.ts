// Builds `.cnn` source with its `train` section for the wasm target (or gpu.js, for comparisons)
// into build/test-wasm-train/ and imports the module; the runtime import points at the sources.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import type { TrainingBase, StepOptions, StepResult } from '../../runtime/training.js';

const OUT = resolve('build/test-wasm-train');

/** A trainable model of either target, as the tests use it. */
export interface TrainModel extends TrainingBase {
  forward(input: Float32Array, batch: number): Promise<Float32Array>;
  trainStep(
    input: Float32Array,
    labels: ArrayLike<number>,
    batch: number,
    options?: StepOptions,
  ): Promise<StepResult>;
  parameters(): ReadonlyMap<string, Float32Array>;
  loadWeights(bytes: Uint8Array): void;
  dispose(): Promise<void>;
}

/** A built module of either target. */
export interface TrainModule {
  create(options?: Record<string, unknown>): Promise<TrainModel>;
  parameterSpecs: readonly { name: string; shape: readonly number[] }[];
}

/** Compiles and builds `source` (its first model and that model's `train` section) for `target`. */
export async function buildTrain(
  name: string,
  source: string,
  target: 'wasm' | 'gpujs' = 'wasm',
): Promise<{ code: string; module: TrainModule }> {
  const file = `${name}.cnn`;
  const compiled = compileSource(file, source);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${name}: ${errors.map((d) => d.message).join('; ')}`);
  const model = compiled.program.models[0];
  const runtime = target === 'wasm' ? 'runtime/wasm/index.ts' : 'runtime/index.ts';
  const built = await buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: file,
    texts: compiled.texts,
    runtimeModule: pathToFileURL(resolve(runtime)).href,
    ...(target === 'wasm' ? { target: wasmTarget } : {}),
    verify: true,
    training: true,
    train: compiled.program.train.find((config) => config.model === model.name),
  });
  if (!built.code)
    throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${target}.ts`);
  writeFileSync(path, built.code);
  const module = (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as TrainModule;
  return { code: built.code, module };
}

/** Seeded values in `[-1, 1)`. */
export function seeded(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** Max-norm relative error of `actual` against `expected`. */
export function maxRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let idx = 0; idx < expected.length; idx++) {
    diff = Math.max(diff, Math.abs(actual[idx] - expected[idx]));
    scale = Math.max(scale, Math.abs(expected[idx]));
  }
  return diff / Math.max(scale, 1e-12);
}
