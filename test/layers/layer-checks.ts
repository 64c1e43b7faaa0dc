// What a layer's own test file (test/layers/<layer>.test.ts) checks besides its kernels: the
// shape rule through `compileSource`, the ONNX export in onnxruntime against the generated module,
// the PyTorch export (strict load of cnnc's weights, same output) and the PyTorch fixtures made by
// scripts/torch/. Each returns plain values or messages; the test files assert on them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import type { Backend } from '../../runtime/backend.js';
import { buildSource, inputFor } from '../emit/build-helper.js';
import {
  compile,
  generatedModule,
  inputsFor,
  onnxBytes,
  relativeError,
  runModule,
  runOnnx,
  trainedWeights,
} from '../export/onnx-helpers.js';
import { exportExample, OUT, runTorchChecks, torchMissing } from '../export/pytorch-helpers.js';
import { crossEntropy } from '../../runtime/losses/index.js';
import { buildTrainable } from '../train/train-helpers.js';

/** A one-layer model over `input`. */
export function oneLayer(input: readonly number[], layer: string): string {
  return `model M {\n  input x: [${input.join(', ')}]\n  ${layer}\n  output y\n}\n`;
}

/** The output shape and the parameter count of `layer` on `input`, or its diagnostics' codes. */
export function shapeOf(
  input: readonly number[],
  layer: string,
): { shape?: readonly number[]; params?: number; codes: string[]; diagnostics: Diagnostic[] } {
  const compiled = compileSource('layer.cnn', oneLayer(input, layer));
  const model = compiled.program.models[0];
  const node = model?.nodes[model.nodes.length - 1];
  const codes = compiled.diagnostics.map((d) => d.code);
  return {
    shape: node?.shape,
    params: node?.cost?.params,
    codes,
    diagnostics: compiled.diagnostics,
  };
}

/** The largest relative error of onnxruntime against the generated module, over batches 1 and 3. */
export async function onnxError(name: string, source: string, backend: Backend): Promise<number> {
  const compiled = compile(`${name}.cnn`, source);
  const model = compiled.program.models[0];
  const module = await generatedModule(compiled, model);
  const weights = trainedWeights(module, 7);
  const bytes = onnxBytes(compiled, model, { safetensors: weights });
  let worst = 0;
  for (const batch of [1, 3]) {
    const inputs = inputsFor(model, batch, 3);
    const expected = await runModule(module, model, { weights, backend }, inputs, batch);
    const actual = await runOnnx(bytes, model, inputs, batch);
    for (const output of model.outputs)
      worst = Math.max(worst, relativeError(actual[output.name], expected[output.name]));
  }
  return worst;
}

/** Why PyTorch checks cannot run here, or undefined. */
export const torchProblem = torchMissing();

/**
 * Exports `source` to PyTorch, loads the generated module's seeded weights into it (strict) and
 * runs both on the same batch of 2: the load result and the largest output difference relative
 * to the largest output.
 */
export async function pytorchAgreement(
  name: string,
  source: string,
): Promise<{ load?: string; error: number }> {
  const [entry] = exportExample(`${name}.cnn`, 'layers', source);
  const { module } = await buildSource(`pytorch-layer-${name}`, source);
  const model = await module.create({ seed: 11, mode: 'webasm' });
  try {
    const batch = 2;
    const perSample = module.inputShape.reduce((acc, dim) => acc * dim, 1);
    const input = inputFor(batch * perSample, 5);
    const expected = await model.forward(input, batch);
    const weights = join(entry.dir, `${name}.safetensors`);
    const inputPath = join(entry.dir, `${name}.input.f32`);
    writeFileSync(weights, model.saveWeights());
    writeFileSync(inputPath, new Uint8Array(input.buffer));
    const job = {
      name: entry.model.name,
      module: entry.modulePath,
      weights,
      input: inputPath,
      input_shape: [batch, ...module.inputShape],
    };
    const result = runTorchChecks([job], join(OUT, `layers-${name}-jobs.json`)).get(job.name);
    const output = result?.output ?? [];
    const largest = expected.reduce((acc, value) => Math.max(acc, Math.abs(value)), 0);
    const diff = output.reduce(
      (acc, value, idx) => Math.max(acc, Math.abs(value - expected[idx])),
      output.length === expected.length ? 0 : Infinity,
    );
    return { load: result?.load, error: diff / largest };
  } finally {
    await model.dispose();
  }
}

/** One case of a fixture written by scripts/torch/ (PyTorch in float64). */
export interface TorchCase {
  layer: string;
  input_shape: number[];
  input: number[];
  params: Record<string, number[]>;
  upstream: number[];
  output_shape: number[];
  output: number[];
  grad_input: number[];
  grad_params: Record<string, number[]>;
}

/** The cases of `file` (under test/fixtures/) whose layer call starts with `prefix`. */
export function torchCases(file: string, prefix: string): TorchCase[] {
  const parsed = JSON.parse(readFileSync(join('test/fixtures', file), 'utf8')) as {
    cases: TorchCase[];
  };
  return parsed.cases.filter((c) => c.layer.startsWith(prefix));
}

/** The largest |a − b| over the largest |b| (0 for two empty arrays). */
export function maxRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let largest = 0;
  for (let idx = 0; idx < expected.length; idx++) {
    diff = Math.max(diff, Math.abs(actual[idx] - expected[idx]));
    largest = Math.max(largest, Math.abs(expected[idx]));
  }
  return largest === 0 ? diff : diff / largest;
}

/** Deterministic values in [−1, 1). */
function lcg(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/**
 * The generated training code of `source` (one model with a `train` section, cross-entropy over
 * 4 classes, batch 4) on the cpu backend: the largest relative error of `trainStep`'s parameter
 * gradients against central differences of the loss, at three entries of every parameter.
 */
export async function trainStepGradientError(name: string, source: string): Promise<number> {
  const module = await buildTrainable(name, `${name}.cnn`, source);
  const model = await module.create({ seed: 5, mode: 'cpu' });
  const batch = 4;
  const x = lcg(batch * module.inputShape.reduce((a, b) => a * b, 1), 9);
  const labels = [0, 1, 2, 3];
  const lossAt = async () => {
    model.train();
    const logits = await model.forward(x, batch);
    model.eval();
    return crossEntropy(logits, labels, batch).loss;
  };
  try {
    const step = await model.trainStep(x, labels, batch, { gradients: true });
    let worst = 0;
    for (const [param, value] of model.parameters()) {
      const gradient = step.gradients?.get(param);
      if (!gradient) return Infinity;
      for (const idx of [0, Math.floor(value.length / 2), value.length - 1]) {
        const saved = value[idx];
        const h = 1e-3;
        value[idx] = saved + h;
        const plus = await lossAt();
        value[idx] = saved - h;
        const minus = await lossAt();
        value[idx] = saved;
        const numeric = (plus - minus) / (2 * h);
        const error = Math.abs(numeric - gradient[idx]) / Math.max(1e-2, Math.abs(numeric));
        worst = Math.max(worst, error);
      }
    }
    return worst;
  } finally {
    await model.dispose();
  }
}
