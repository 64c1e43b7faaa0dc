// Backward of `add(a, b, …)`: every input receives the output gradient, times the derivative of a
// fused activation at the sum (recomputed from the saved inputs).
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { activationConstants } from '../kernels/activation.js';
import type { AddDescriptor } from '../kernels/add.js';
import { activationBackward, expectLength, isIdentity, type GradientFn } from './common.js';
import { runElementwise } from '../exact.js';

function sumKernel(this: KernelThis<Record<string, number>>, a: number[], b: number[]): number {
  return a[this.thread.x] + b[this.thread.x];
}

/**
 * Backward of `add` specialised on `desc`: `(gradOutput, { inputs }, batch) => { inputs }` with one
 * gradient (a fresh copy) per summed tensor, all `[batch, features]`. `inputs` (the forward's
 * operands) are needed only with a fused activation.
 */
export function addGrad(
  backend: Backend,
  desc: AddDescriptor,
): GradientFn<{ inputs?: readonly Float32Array[] }, { inputs: Float32Array[] }> {
  return async (gradOutput, saved, batch) => {
    expectLength('add gradient', gradOutput, batch * desc.features);
    let grad = gradOutput;
    if (!isIdentity(desc.activation)) {
      const operands = saved.inputs;
      if (!operands || operands.length !== desc.inputs) {
        throw new Error(`add gradient: the ${desc.inputs} forward inputs must be saved`);
      }
      let pre = operands[0];
      for (let idx = 1; idx < operands.length; idx++) {
        const kernel = (length: number) => backend.kernel('grad-add-sum', sumKernel, {}, length);
        pre = await runElementwise('add gradient', kernel, pre, operands[idx]);
      }
      grad = await activationBackward(backend, activationConstants(desc.activation), grad, pre);
    }
    return { inputs: Array.from({ length: desc.inputs }, () => grad.slice()) };
  };
}
