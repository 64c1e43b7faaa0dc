// Shared by the ONNX export tests: build a model's generated module (gpu.js, webasm) and its ONNX
// export from the same `.cnn` text and weights, run both at a batch size and compare the outputs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { exportOnnx } from '../../compiler/export/onnx/export.js';
import { exportWeights, type WeightSource } from '../../compiler/export/onnx/weights.js';
import type { ModelGraph, Program } from '../../compiler/ir/graph.js';
import type { Backend } from '../../runtime/backend.js';
import type { CreateOptions, ModelBase } from '../../runtime/model.js';
import { writeSafetensors } from '../../runtime/safetensors.js';
import { inputFor } from '../emit/build-helper.js';

const OUT = resolve('build/test-onnx');
const RUNTIME = pathToFileURL(resolve('runtime/index.ts')).href;

type Output = Float32Array | Record<string, Float32Array>;

/** What a generated module exports, as these tests use it. */
export interface Module {
  create(
    options?: CreateOptions,
  ): Promise<ModelBase & { forward(...args: unknown[]): Promise<Output> }>;
  parameterSpecs: readonly { name: string; shape: readonly number[]; role: string }[];
}

/** A compiled `.cnn` text. */
export interface Compiled {
  file: string;
  program: Program;
  texts: ReadonlyMap<string, string>;
}

/** Compiles `text`; throws on errors (the examples and cases here all check clean). */
export function compile(file: string, text: string): Compiled {
  const compiled = compileSource(file, text);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((d) => d.message).join('; ')}`);
  return { file, program: compiled.program, texts: compiled.texts };
}

/** Builds and imports the generated module of `model` (-O2, as `cnnc build` does by default). */
export async function generatedModule(compiled: Compiled, model: ModelGraph): Promise<Module> {
  const built = await buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: compiled.file,
    texts: compiled.texts,
    runtimeModule: RUNTIME,
    train: compiled.program.train.find((config) => config.model === model.name),
  });
  if (!built.code) throw new Error(built.diagnostics.map((d) => d.message).join('; '));
  mkdirSync(OUT, { recursive: true });
  const stem = `${compiled.file}-${model.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const path = join(OUT, `${stem}.ts`);
  writeFileSync(path, built.code);
  return (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as Module;
}

/** The ONNX bytes of `model` with weights from `source`; throws on diagnostics. */
export function onnxBytes(compiled: Compiled, model: ModelGraph, source: WeightSource): Uint8Array {
  const train = compiled.program.train.find((config) => config.model === model.name);
  const weights = exportWeights(model, train, source);
  if (!weights.ok) throw new Error(weights.message);
  const result = exportOnnx(model, weights.weights, {
    trace: (span) => `${span.file}:${span.start}`,
    producerVersion: 'test',
  });
  if (!result.bytes) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  return result.bytes;
}

/**
 * "Trained-looking" weights for every parameter: weights of scale 1/√fan-in, non-trivial
 * BatchNorm statistics (positive variances), seeded, as a safetensors file.
 */
export function trainedWeights(module: Module, seed: number): Uint8Array {
  return writeSafetensors(
    module.parameterSpecs.map((spec, idx) => {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const data = inputFor(size, seed * 1000 + idx + 1);
      const fanIn = spec.shape.slice(1).reduce((a, b) => a * b, 1);
      const scale = spec.role === 'weight' ? Math.sqrt(3 / fanIn) : 0.5;
      data.forEach((v, i) => (data[i] = v * scale));
      if (spec.role === 'running_var') data.forEach((v, i) => (data[i] = Math.abs(v) + 0.5));
      if (spec.role === 'gamma') data.forEach((v, i) => (data[i] = 1 + v));
      if (spec.role === 'std') data.forEach((v, i) => (data[i] = Math.abs(v) + 0.5));
      return [spec.name, { shape: [...spec.shape], data }];
    }),
  );
}

/** One input per model input, deterministic, for `batch` samples. */
export function inputsFor(model: ModelGraph, batch: number, seed: number): Float32Array[] {
  return model.inputs.map((id, idx) => {
    const shape = model.nodes.find((node) => node.id === id)?.shape ?? [];
    return inputFor(batch * shape.reduce((a, b) => a * b, 1), seed + idx);
  });
}

/** Runs the ONNX model in onnxruntime-node; the outputs by name. */
export async function runOnnx(
  bytes: Uint8Array,
  model: ModelGraph,
  inputs: Float32Array[],
  batch: number,
): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    model.inputs.forEach((id, idx) => {
      const node = model.nodes.find((other) => other.id === id);
      const dims = [batch, ...(node?.shape ?? [])];
      feeds[node?.name ?? `input${id}`] = new ort.Tensor('float32', inputs[idx], dims);
    });
    const results = await session.run(feeds);
    return Object.fromEntries(
      model.outputs.map((output) => [output.name, results[output.name].data as Float32Array]),
    );
  } finally {
    await session.release();
  }
}

/** Runs the generated module; the outputs by name. */
export async function runModule(
  module: Module,
  model: ModelGraph,
  options: CreateOptions & { backend: Backend },
  inputs: Float32Array[],
  batch: number,
): Promise<Record<string, Float32Array>> {
  const instance = await module.create(options);
  try {
    const result = await instance.forward(...inputs, batch);
    return result instanceof Float32Array ? { [model.outputs[0].name]: result } : result;
  } finally {
    await instance.dispose();
  }
}

/** The largest |a − b| over the largest |b|: the error relative to the output's scale. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const diff = Math.abs(actual[i] - expected[i]);
    worst = Number.isNaN(diff) ? Infinity : Math.max(worst, diff);
  }
  return worst / Math.max(scale, 1e-30);
}
