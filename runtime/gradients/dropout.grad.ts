// Training-mode (inverted) dropout with seeded masks: each unit is kept with probability 1 − p and
// scaled by 1/(1 − p), so that inference is the identity. The mask is drawn on the host from the
// seeded Mulberry32 generator (identical on every engine); forward and backward multiply by it.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import type { DropoutDescriptor } from '../kernels/dropout.js';
import type { Rng } from '../rng.js';
import { runElementwise } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

/**
 * A dropout mask of `length` values: 0 where a unit is dropped (probability `p`, the PyTorch
 * convention), `1/(1 − p)` where it is kept. One `rng.next()` per unit, in flat order.
 */
export function dropoutMask(rng: Rng, length: number, p: number): Float32Array {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), found ${p}`);
  const scale = 1 / (1 - p);
  const mask = new Float32Array(length);
  for (let idx = 0; idx < length; idx++) mask[idx] = rng.next() < p ? 0 : scale;
  return mask;
}

function multiplyKernel(
  this: KernelThis<Record<string, number>>,
  x: number[],
  mask: number[],
): number {
  return x[this.thread.x] * mask[this.thread.x];
}

async function multiply(
  backend: Backend,
  x: Float32Array,
  mask: Float32Array,
): Promise<Float32Array> {
  expectLength('dropout mask', mask, x.length);
  const kernel = (length: number) => backend.kernel('dropout-mask', multiplyKernel, {}, length);
  return runElementwise('dropout', kernel, x, mask);
}

/**
 * Training-mode dropout specialised on `desc`: `(input, rng, batch) => { output, mask }` with input
 * and output `[batch, features]`; the mask (see {@link dropoutMask}) is what the backward needs.
 */
export function dropoutTrain(backend: Backend, desc: DropoutDescriptor) {
  return async (input: Float32Array, rng: Rng, batch: number) => {
    expectLength('dropout input', input, batch * desc.features);
    const mask = dropoutMask(rng, input.length, desc.p);
    return { output: await multiply(backend, input, mask), mask };
  };
}

/** Backward of training-mode dropout: `(gradOutput, { mask }, batch) => { input: gy · mask }`. */
export function dropoutGrad(
  backend: Backend,
  desc: DropoutDescriptor,
): GradientFn<{ mask: Float32Array }, { input: Float32Array }> {
  return async (gradOutput, saved, batch) => {
    expectLength('dropout gradient', gradOutput, batch * desc.features);
    return { input: await multiply(backend, gradOutput, saved.mask) };
  };
}
