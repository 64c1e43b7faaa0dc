// Child: one workload through TensorFlow.js 4.22 (`wasm`: XNNPACK, one thread in Node; `cpu`:
// plain JavaScript), with cnnc's weights converted to NHWC/HWIO. Training steps use
// `variableGrads` and the optimizer of the model's `train` section.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readSafetensors } from '../../runtime/safetensors.js';
import { nchwToNhwc, nhwcToNchw } from '../lib/layout.js';
import type { ModelInfo } from '../lib/protocol.js';
import { buildTfjsModel, type TakeTensor } from './tfjs-models.js';
import { measure, readFloat32, readInfo, readInt32, readSpec, runChild } from './common.js';

/** Hands out the file's tensors in `info.params` order, checking each shape. */
function tensorsInOrder(info: ModelInfo, weightsPath: string): TakeTensor {
  const file = readSafetensors(new Uint8Array(readFileSync(weightsPath)));
  let next = 0;
  return (shape) => {
    const spec = info.params[next++];
    if (spec === undefined)
      throw new Error(`the model wants more tensors than the file's ${next - 1}`);
    if (spec.shape.join(',') !== shape.join(',')) {
      throw new Error(`${spec.name} is [${spec.shape}], the tfjs model expects [${shape}]`);
    }
    return { name: spec.name, data: file.get(spec.name).data };
  };
}

function optimizerOf(info: ModelInfo): { optimizer: tf.Optimizer; weightDecay: number } {
  const spec = info.trainSpec.optimizer;
  if (spec.kind === 'adam')
    return { optimizer: tf.train.adam(spec.lr, 0.9, 0.999, 1e-8), weightDecay: 0 };
  if (spec.kind === 'sgd') {
    const optimizer =
      (spec.momentum ?? 0) > 0
        ? tf.train.momentum(spec.lr, spec.momentum ?? 0)
        : tf.train.sgd(spec.lr);
    return { optimizer, weightDecay: spec.weightDecay ?? 0 };
  }
  throw new Error(`optimizer ${spec.kind} is not mapped to tfjs`);
}

runChild(async () => {
  const spec = readSpec();
  const info = readInfo(spec);
  const backend = spec.engine === 'tfjs-wasm' ? 'wasm' : 'cpu';
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
  await tf.ready();
  const { batch } = spec.workload;
  const [channels, height, width] = info.inputShape;
  const nchw = readFloat32(spec.inputPath);
  const baseline = process.memoryUsage().rss;
  const start = performance.now();
  const model = buildTfjsModel(tf, info.arch, tensorsInOrder(info, spec.weightsPath));
  const x = tf.tensor4d(nchwToNhwc(nchw, [batch, channels, height, width]), [
    batch,
    height,
    width,
    channels,
  ]);
  const setupMs = performance.now() - start;
  const toNchw = (data: Float32Array) =>
    info.outputShape.length === 3 ? nhwcToNchw(data, [batch, ...info.outputShape]) : data;

  if (spec.workload.kind === 'forward') {
    const run = async () => {
      const y = tf.tidy(() => model.apply(x, false));
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return { output: toNchw(data) };
    };
    return measure(spec, setupMs, baseline, run);
  }
  // tfjs-core's Node bundle registers no op gradients (`@tensorflow/tfjs` does, from ES modules
  // Node cannot load unbundled); the parent bundled them, and they register into the same global
  // registry and engine.
  if (spec.tfjsGradientsPath === null) throw new Error('tfjs gradients were not bundled');
  await import(pathToFileURL(spec.tfjsGradientsPath).href);
  const classes = info.outputShape[0];
  const labels = tf.oneHot(tf.tensor1d(readInt32(spec.labelsPath), 'int32'), classes);
  const { optimizer, weightDecay } = optimizerOf(info);
  const run = async () => {
    let logits: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.apply(x, true);
      logits = tf.keep(out);
      return tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar;
    }, model.trainable);
    const decayed = tf.tidy(() => {
      if (weightDecay === 0) return grads;
      // PyTorch's SGD weight decay: g + λ·w for every parameter.
      const map: tf.NamedTensorMap = {};
      for (const variable of model.trainable) {
        map[variable.name] = tf.add(grads[variable.name], tf.mul(variable, weightDecay));
      }
      return map;
    });
    optimizer.applyGradients(decayed);
    const loss = (await value.data())[0];
    const output = (await (logits as unknown as tf.Tensor).data()) as Float32Array;
    tf.dispose([value, logits as unknown as tf.Tensor, grads, decayed]);
    return { output, loss };
  };
  return measure(spec, setupMs, baseline, run);
});
