// Child: one workload through a module `cnnc build` generated (gpu.js target or wasm target).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { measure, readFloat32, readInt32, readSpec, runChild } from './common.js';

interface GeneratedModel {
  forward(input: Float32Array, batch: number): Promise<Float32Array>;
  trainStep(
    input: Float32Array,
    labels: ArrayLike<number>,
    batch: number,
  ): Promise<{ loss: number; outputs: Float32Array }>;
  dispose(): Promise<void> | void;
}

interface GeneratedModule {
  create(options: Record<string, unknown>): Promise<GeneratedModel>;
}

runChild(async () => {
  const spec = readSpec();
  if (spec.modulePath === null) throw new Error('no module');
  const generated = (await import(pathToFileURL(spec.modulePath).href)) as GeneratedModule;
  const input = readFloat32(spec.inputPath);
  const labels = readInt32(spec.labelsPath);
  const weights = new Uint8Array(readFileSync(spec.weightsPath));
  const baseline = process.memoryUsage().rss;
  const start = performance.now();
  // The gpu.js target takes `threads` as on/off (on by default); the wasm target takes a count.
  const threads = spec.engine === 'cnnc-wasm' ? { threads: spec.threads } : {};
  const model = await generated.create({ weights, ...threads });
  const setupMs = performance.now() - start;
  const { batch } = spec.workload;
  if (spec.workload.kind === 'train' && typeof model.trainStep !== 'function') {
    throw new Error('this target has no trainStep yet');
  }
  const run =
    spec.workload.kind === 'forward'
      ? async () => ({ output: await model.forward(input, batch) })
      : async () => {
          const step = await model.trainStep(input, labels, batch);
          return { output: step.outputs, loss: step.loss };
        };
  return measure(spec, setupMs, baseline, run);
});
