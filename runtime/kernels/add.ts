// Elementwise sum of equal-shaped tensors (`add(a, b, …)`, residual joins), with a fused activation
// epilogue so that `residual { … } relu` is one pass.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel, type Stage } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import { expectPositive } from './conv-util.js';
import type { AddDescriptor } from '../../contract/descriptors.js';
export type { AddDescriptor } from '../../contract/descriptors.js';

interface AddConstants {
  activation: number;
  alpha: number;
}

function addKernel(this: KernelThis<AddConstants>, a: number[], b: number[]): number {
  return applyActivation(
    a[this.thread.x] + b[this.thread.x],
    this.constants.activation,
    this.constants.alpha,
  );
}

/**
 * Add specialised on `desc`: `(a, b, …, batch) => a + b + …`. More than two inputs are summed left
 * to right in `inputs − 1` passes.
 */
export function add(backend: Backend, desc: AddDescriptor): LayerKernel<Float32Array[]> {
  expectPositive('add', { features: desc.features });
  if (!Number.isInteger(desc.inputs) || desc.inputs < 2) {
    throw new Error(`add: needs at least 2 inputs, found ${desc.inputs}`);
  }
  const last = activationConstants(desc.activation);
  const plain = activationConstants(undefined);
  const length = (batch: number) => batch * desc.features;
  const stages = (batch: number): Stage[] => {
    const result: Stage[] = [];
    for (let index = 1; index < desc.inputs; index++) {
      const constants = index === desc.inputs - 1 ? last : plain;
      const kernel = backend.kernel('add', addKernel, constants, length(batch), ACTIVATION_HELPERS);
      result.push({ kernel, args: [index === 1 ? 0 : 'previous', index] });
    }
    return result;
  };
  const batched = Array.from({ length: desc.inputs }, (_, index) => index);
  return makeLayer(length, stages, {}, { what: 'add', batched, perSample: desc.features });
}
