// Child: one forward workload through onnxruntime-node's CPU runtime, on an ONNX file of the
// benchmark's model with cnnc's weights (from `cnnc build --emit onnx`, or `torch.onnx.export`).
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { measure, readFloat32, readInfo, readSpec, runChild } from './common.js';

runChild(async () => {
  const spec = readSpec();
  const info = readInfo(spec);
  if (spec.onnxPath === null) throw new Error('no ONNX model');
  const input = readFloat32(spec.inputPath);
  const baseline = process.memoryUsage().rss;
  const start = performance.now();
  const session = await ort.InferenceSession.create(spec.onnxPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: spec.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const setupMs = performance.now() - start;
  const feeds = {
    [session.inputNames[0]]: new ort.Tensor('float32', input, [
      spec.workload.batch,
      ...info.inputShape,
    ]),
  };
  const run = async () => {
    const outputs = await session.run(feeds);
    return { output: outputs[session.outputNames[0]].data as Float32Array };
  };
  return measure(spec, setupMs, baseline, run);
});
