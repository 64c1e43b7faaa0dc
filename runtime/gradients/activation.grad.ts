// Backward of the elementwise activations (and of a fused chain of them): the output gradient
// times the derivative at the layer's input, gx = gy · f′(x).
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { activationConstants, applyActivation, ACTIVATION_HELPERS } from '../kernels/activation.js';
import type { ActivationSpec, ElementwiseDescriptor } from '../kernels/activation.js';
import { MAX_CHAIN, type ElementwiseChainDescriptor } from '../kernels/elementwise.js';
import { activationBackward, activationGradient, expectLength, type GradientFn } from './common.js';
import { runElementwise } from '../exact.js';

/** What the activation backward needs from the forward: its input `[batch, features]`. */
export interface ActivationSaved {
  input: Float32Array;
}

/** Gradient of an activation layer: `{ input: gy · f′(x) }`, flat like the forward. */
export type ActivationGradient = GradientFn<ActivationSaved, { input: Float32Array }>;

/**
 * Backward of {@link activation} specialised on `desc`. Derivatives follow PyTorch, including at
 * kinks (relu′(0) = 0; see `activationGradient`); gelu uses the forward's erf approximation.
 */
export function activationGrad(
  backend: Backend,
  desc: ElementwiseDescriptor & ActivationSpec,
): ActivationGradient {
  const constants = activationConstants(desc);
  return async (gradOutput, saved, batch) => {
    expectLength(`${desc.kind} gradient`, gradOutput, batch * desc.features);
    return { input: await activationBackward(backend, constants, gradOutput, saved.input) };
  };
}

type ChainConstants = Record<`op${0 | 1 | 2 | 3}` | `alpha${0 | 1 | 2 | 3}`, number>;

// Recomputes the chain's intermediate values and multiplies the derivative of each step.
function chainBackwardKernel(
  this: KernelThis<ChainConstants>,
  gradOutput: number[],
  x: number[],
): number {
  const v0 = x[this.thread.x];
  const v1 = applyActivation(v0, this.constants.op0, this.constants.alpha0);
  const v2 = applyActivation(v1, this.constants.op1, this.constants.alpha1);
  const v3 = applyActivation(v2, this.constants.op2, this.constants.alpha2);
  return (
    gradOutput[this.thread.x] *
    activationGradient(v0, this.constants.op0, this.constants.alpha0) *
    activationGradient(v1, this.constants.op1, this.constants.alpha1) *
    activationGradient(v2, this.constants.op2, this.constants.alpha2) *
    activationGradient(v3, this.constants.op3, this.constants.alpha3)
  );
}

/** Backward of {@link elementwiseChain}: the chain rule through up to four fused activations. */
export function elementwiseChainGrad(
  backend: Backend,
  desc: ElementwiseChainDescriptor,
): ActivationGradient {
  if (desc.steps.length < 1 || desc.steps.length > MAX_CHAIN) {
    throw new Error(`elementwise chain: 1 to ${MAX_CHAIN} steps, found ${desc.steps.length}`);
  }
  const constants: Record<string, number> = {};
  for (let idx = 0; idx < MAX_CHAIN; idx++) {
    const { activation, alpha } = activationConstants(desc.steps[idx]);
    constants[`op${idx}`] = activation;
    constants[`alpha${idx}`] = alpha;
  }
  return async (gradOutput, saved, batch) => {
    const length = batch * desc.features;
    expectLength('elementwise chain gradient', gradOutput, length);
    expectLength('elementwise chain gradient input', saved.input, length);
    const kernel = (count: number) =>
      backend.kernel('grad-elementwise-chain', chainBackwardKernel, constants, count, [
        ...ACTIVATION_HELPERS,
        activationGradient,
      ]);
    const input = await runElementwise(
      'elementwise chain gradient',
      kernel,
      gradOutput,
      saved.input,
    );
    return { input };
  };
}
