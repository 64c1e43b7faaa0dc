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
  runKernel,
  type GradientOptions,
} from './common.js';
import type { ConvGradient } from './conv3d.grad.js';

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
  return async (gradOutput, saved, batch) => {
    expectLength('linear gradient', gradOutput, batch * desc.outFeatures);
    let grad = gradOutput;
    if (!isIdentity(desc.activation)) {
      const pre = await forward(saved.input, saved.weight, saved.bias, batch);
      grad = await activationBackward(backend, activationConstants(desc.activation), grad, pre);
    }
    const constants = { batch, inFeatures: desc.inFeatures, outFeatures: desc.outFeatures };
    const weightLength = desc.outFeatures * desc.inFeatures;
    const weightKernel = backend.kernel(
      'grad-linear-weight',
      weightGradKernel,
      constants,
      weightLength,
    );
    const weight = await runKernel(weightKernel, grad, saved.input);
    const bias = saved.bias ? await channelSum(backend, grad, batch, desc.outFeatures, 1) : null;
    let input: Float32Array | null = null;
    if (options.inputGradient !== false) {
      const { inFeatures, outFeatures } = desc;
      const inputKernel = backend.kernel(
        'grad-linear-input',
        inputGradKernel,
        { inFeatures, outFeatures },
        batch * inFeatures,
      );
      input = await runKernel(inputKernel, grad, saved.weight);
    }
    return { input, weight, bias };
  };
}
