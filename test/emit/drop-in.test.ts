// The two Node modules are drop-in compatible for the documented API (docs/generated-api.md): the
// same function, written once against that API, drives LeNet-5 built for the wasm target (the
// default) and for gpu.js (`--target gpujs`), each built with `--train`; weights saved by one
// load into the other, and both give the same logits, loss and evaluation.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import { buildAndImport, inputFor } from './build-helper.js';

/** The documented model, as a user's script sees it (no target-specific member). */
interface DocumentedModel {
  backend: { kernelClass: string };
  forward(input: Float32Array, batch: number): Promise<Float32Array>;
  parameters(): ReadonlyMap<string, Float32Array>;
  loadWeights(bytes: Uint8Array, options?: { strict?: boolean }): void;
  saveWeights(): Uint8Array;
  bufferBytes(): number;
  dispose(): Promise<void>;
  trainStep(
    input: Float32Array,
    labels: ArrayLike<number>,
    batch: number,
  ): Promise<{ loss: number; lr: number }>;
  evaluate(
    input: Float32Array,
    labels: ArrayLike<number>,
    count: number,
  ): Promise<{ count: number; loss: number; accuracy: number }>;
  train(): void;
  eval(): void;
  readonly training: boolean;
  readonly step: number;
  optimizerState(): { parameters: string[] };
}

interface DocumentedModule {
  create(options?: {
    seed?: number;
    threads?: boolean;
    weights?: Uint8Array;
  }): Promise<DocumentedModel>;
  inputShape: readonly number[];
  outputShape: readonly number[];
  parameterSpecs: readonly { name: string }[];
}

const SOURCE = readFileSync('examples/lenet5.cnn', 'utf8');

async function moduleFor(target: 'wasm' | 'gpujs'): Promise<DocumentedModule> {
  const wasm = target === 'wasm';
  const runtime = pathToFileURL(resolve(wasm ? 'runtime/wasm/index.ts' : 'runtime/index.ts')).href;
  const built = await buildAndImport<DocumentedModule>(
    `drop_in_${target}`,
    SOURCE,
    { training: true },
    { out: resolve('build/test-drop-in'), runtime, ...(wasm ? { target: wasmTarget } : {}) },
  );
  return built.module;
}

/** What a user's script does with a model; returns what it observed. */
async function script(module: DocumentedModule, weights?: Uint8Array) {
  const model = await module.create(
    weights ? { weights, threads: false } : { seed: 3, threads: false },
  );
  try {
    const perSample = module.inputShape.reduce((acc, dim) => acc * dim, 1);
    const batch = 4;
    const images = inputFor(batch * perSample, 5);
    const labels = [3, 1, 4, 1];
    const logits = await model.forward(images, batch);
    const names = [...model.parameters().keys()];
    const saved = model.saveWeights();
    const evaluation = await model.evaluate(images, labels, batch);
    model.train();
    const trainingMode = model.training;
    model.eval();
    const step = await model.trainStep(images, labels, batch);
    return {
      kernelClass: model.backend.kernelClass,
      logits,
      names,
      saved,
      evaluation,
      trainingMode,
      loss: step.loss,
      steps: model.step,
      optimized: model.optimizerState().parameters,
      buffers: model.bufferBytes(),
    };
  } finally {
    await model.dispose();
  }
}

function close(t: import('ava').ExecutionContext, a: ArrayLike<number>, b: ArrayLike<number>) {
  t.is(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    t.true(Math.abs(a[i] - b[i]) <= 1e-4 * Math.max(1, Math.abs(b[i])), `${i}: ${a[i]} vs ${b[i]}`);
}

test('one script drives the wasm and the gpu.js module of LeNet-5 alike', async (t) => {
  t.timeout(180_000);
  const [wasm, gpujs] = [await moduleFor('wasm'), await moduleFor('gpujs')];
  t.deepEqual(wasm.inputShape, gpujs.inputShape);
  t.deepEqual(wasm.outputShape, gpujs.outputShape);
  t.deepEqual(
    wasm.parameterSpecs.map((p) => p.name),
    gpujs.parameterSpecs.map((p) => p.name),
  );
  const onWasm = await script(wasm);
  const onGpujs = await script(gpujs);
  t.is(onWasm.kernelClass, 'cnnc-wasm');
  t.is(onGpujs.kernelClass, 'WebAssembly');
  t.deepEqual(onWasm.names, onGpujs.names);
  // Seeded initialisation is the runtime's, the same bytes on both targets.
  t.deepEqual(onWasm.saved, onGpujs.saved);
  close(t, onWasm.logits, onGpujs.logits);
  t.is(onWasm.evaluation.count, 4);
  close(
    t,
    [onWasm.evaluation.loss, onWasm.evaluation.accuracy],
    [onGpujs.evaluation.loss, onGpujs.evaluation.accuracy],
  );
  t.true(onWasm.trainingMode && onGpujs.trainingMode);
  close(t, [onWasm.loss], [onGpujs.loss]);
  t.is(onWasm.steps, 1);
  t.is(onGpujs.steps, 1);
  t.deepEqual(onWasm.optimized, onGpujs.optimized);
  t.true(onWasm.buffers > 0 && onGpujs.buffers > 0);
  // Weights saved by the gpu.js module load into the wasm module and give its logits.
  const crossed = await script(wasm, onGpujs.saved);
  close(t, crossed.logits, onGpujs.logits);
});
