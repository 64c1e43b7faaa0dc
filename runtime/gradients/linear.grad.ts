// Backward of the fully connected layer y = x·Wᵀ + b: dx = gy·W, dW = gyᵀ·x, db = Σ_n gy.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { activationConstants } from '../kernels/activation.js';
import { linear, type LinearDescriptor } from '../kernels/linear.js';
import {
  activationBackward,
  channelSum,
  expectLength,
  isIdentity,
  type GradientOptions,
} from './common.js';
import type { ConvGradient } from './conv3d.grad.js';
import { chunks, MAX_KERNEL_VALUES, runBatched, split } from '../exact.js';

interface LinearConstants {
  batch: number;
  inFeatures: number;
  outFeatures: number;
}

function inputGradKernel(
  this: KernelThis<LinearConstants>,
  gradOutput: number[],
  weight: number[],
): number {
  const i = this.thread.x % this.constants.inFeatures;
  const n = Math.floor(this.thread.x / this.constants.inFeatures);
  let sum = 0;
  for (let o = 0; o < this.constants.outFeatures; o++) {
    sum +=
      gradOutput[n * this.constants.outFeatures + o] * weight[o * this.constants.inFeatures + i];
  }
  return sum;
}

function weightGradKernel(
  this: KernelThis<LinearConstants>,
  gradOutput: number[],
  x: number[],
): number {
  const i = this.thread.x % this.constants.inFeatures;
  const o = Math.floor(this.thread.x / this.constants.inFeatures);
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    sum += gradOutput[n * this.constants.outFeatures + o] * x[n * this.constants.inFeatures + i];
  }
  return sum;
}

/** Columns `first … first + rows − 1` of a `[batch, width]` matrix, as a `[batch, rows]` copy. */
function columns(
  data: Float32Array,
  batch: number,
  width: number,
  first: number,
  rows: number,
): Float32Array {
  const out = new Float32Array(batch * rows);
  for (let n = 0; n < batch; n++) {
    out.set(data.subarray(n * width + first, n * width + first + rows), n * rows);
  }
  return out;
}

/**
 * Backward of `linear` specialised on `desc`: `(gradOutput, { input, weight, bias }, batch) =>
 * { input, weight, bias }` with input `[batch, inFeatures]`, weight `[outFeatures, inFeatures]`,
 * bias `[outFeatures]` or null, gradOutput `[batch, outFeatures]`.
 */
export function linearGrad(
  backend: Backend,
  desc: LinearDescriptor,
  options: GradientOptions = {},
): ConvGradient {
  const forward = linear(backend, { ...desc, activation: undefined });
  const blocks = chunks(desc.outFeatures, Math.floor(MAX_KERNEL_VALUES / desc.inFeatures));
  return async (gradOutput, saved, batch) => {
    expectLength('linear gradient', gradOutput, batch * desc.outFeatures);
    let grad = gradOutput;
    if (!isIdentity(desc.activation)) {
      const pre = await forward(saved.input, saved.weight, saved.bias, batch);
      grad = await activationBackward(backend, activationConstants(desc.activation), grad, pre);
    }
    const { inFeatures, outFeatures } = desc;
    const weight = new Float32Array(outFeatures * inFeatures);
    let input: Float32Array | null = null;
    if (options.inputGradient !== false) input = new Float32Array(batch * inFeatures);
    // A weight of more than 2^24 values is handled in blocks of output rows, as in the forward.
    for (const [first, rows] of blocks) {
      const gradBlock =
        rows === outFeatures ? grad : columns(grad, batch, outFeatures, first, rows);
      const part = await runBatched({
        what: 'linear gradient',
        batch,
        kernel: (count) =>
          backend.kernel(
            'grad-linear-weight',
            weightGradKernel,
            { batch: count, inFeatures, outFeatures: rows },
            rows * inFeatures,
          ),
        args: [split(gradBlock), split(saved.input)],
      });
      weight.set(part, first * inFeatures);
      if (input) {
        const partial = await runBatched({
          what: 'linear gradient',
          batch,
          kernel: (count) =>
            backend.kernel(
              'grad-linear-input',
              inputGradKernel,
              { inFeatures, outFeatures: rows },
              count * inFeatures,
            ),
          args: [
            split(gradBlock),
            saved.weight.subarray(first * inFeatures, (first + rows) * inFeatures),
          ],
          outputPerSample: inFeatures,
        });
        if (blocks.length === 1) input = partial;
        else for (let idx = 0; idx < partial.length; idx++) input[idx] += partial[idx];
      }
    }
    const bias = saved.bias ? await channelSum(backend, grad, batch, outFeatures, 1) : null;
    return { input, weight, bias };
  };
}
