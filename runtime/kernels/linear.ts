// Fully connected layer (PyTorch `Linear`): y = x·Wᵀ + b, with a fused activation epilogue.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import {
  ACTIVATION_HELPERS,
  activationConstants,
  applyActivation,
  type ActivationSpec,
} from './activation.js';
import { expectPositive } from './conv-util.js';

/**
 * Shape of a linear layer. Input `[batch, inFeatures]`, weight `[outFeatures, inFeatures]`
 * (PyTorch's layout), bias `[outFeatures]`, output `[batch, outFeatures]`.
 */
export interface LinearDescriptor {
  inFeatures: number;
  outFeatures: number;
  activation?: ActivationSpec;
}

interface LinearConstants {
  inFeatures: number;
  outFeatures: number;
  activation: number;
  alpha: number;
}

function linearKernel(
  this: KernelThis<LinearConstants>,
  x: number[],
  weight: number[],
  bias: number[],
): number {
  const o = this.thread.x % this.constants.outFeatures;
  const n = Math.floor(this.thread.x / this.constants.outFeatures);
  let sum = 0;
  for (let i = 0; i < this.constants.inFeatures; i++) {
    sum += x[n * this.constants.inFeatures + i] * weight[o * this.constants.inFeatures + i];
  }
  return applyActivation(sum + bias[o], this.constants.activation, this.constants.alpha);
}

/** Linear layer specialised on `desc`: `(input, weight, bias, batch) => output`; `bias` may be `null`. */
export function linear(
  backend: Backend,
  desc: LinearDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  expectPositive('linear', { inFeatures: desc.inFeatures, outFeatures: desc.outFeatures });
  const constants: LinearConstants = {
    inFeatures: desc.inFeatures,
    outFeatures: desc.outFeatures,
    ...activationConstants(desc.activation),
  };
  const length = (batch: number) => batch * desc.outFeatures;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel(
          'linear',
          linearKernel,
          { ...constants },
          length(batch),
          ACTIVATION_HELPERS,
        ),
        args: [0, 1, 2],
      },
    ],
    { 2: new Float32Array(desc.outFeatures) },
  );
}
