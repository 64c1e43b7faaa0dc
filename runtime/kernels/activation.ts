// Activations: the elementwise kernel and the `applyActivation` helper that other kernels call
// as a fused epilogue (conv/linear + bias + activation in one pass).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import type {
  ActivationKind,
  ActivationSpec,
  ElementwiseDescriptor,
} from '../../contract/descriptors.js';
export type {
  ActivationKind,
  ActivationSpec,
  ElementwiseDescriptor,
} from '../../contract/descriptors.js';

/** Integer codes the kernels branch on; a kernel is specialised on its code as a constant. */
export const ACTIVATION_CODES: Readonly<Record<ActivationKind, number>> = {
  identity: 0,
  relu: 1,
  relu6: 2,
  leaky_relu: 3,
  elu: 4,
  sigmoid: 5,
  tanh: 6,
  gelu: 7,
  silu: 8,
  hardswish: 9,
};

/** The `{ activation, alpha }` constants of a kernel with a fused activation epilogue. */
export function activationConstants(spec: ActivationSpec | undefined): {
  activation: number;
  alpha: number;
} {
  const kind = spec?.kind ?? 'identity';
  const alpha = spec?.alpha ?? (kind === 'leaky_relu' ? 0.01 : 1);
  return { activation: ACTIVATION_CODES[kind], alpha };
}

/**
 * erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7); gpu.js has no `Math.erf`.
 * Written for the gpu.js transpiler: plain statements, no closures.
 */
export function erfApprox(x: number): number {
  let sign = 1;
  if (x < 0) sign = -1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly =
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  return sign * (1 - poly * Math.exp(-ax * ax));
}

/** Applies activation `code` (see {@link ACTIVATION_CODES}) to `v`; a gpu.js helper function. */
export function applyActivation(v: number, code: number, alpha: number): number {
  if (code === 1) return Math.max(v, 0);
  if (code === 2) return Math.min(Math.max(v, 0), 6);
  if (code === 3) {
    if (v > 0) return v;
    return alpha * v;
  }
  if (code === 4) {
    if (v > 0) return v;
    return alpha * (Math.exp(v) - 1);
  }
  if (code === 5) return 1 / (1 + Math.exp(-v));
  if (code === 6) return Math.tanh(v);
  if (code === 7) return 0.5 * v * (1 + erfApprox(v * 0.7071067811865476));
  if (code === 8) return v / (1 + Math.exp(-v));
  if (code === 9) return (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
  return v;
}

/** The helper functions a kernel with an activation epilogue must register with gpu.js. */
export const ACTIVATION_HELPERS = [erfApprox, applyActivation] as const;

interface ActivationConstants {
  activation: number;
  alpha: number;
}

function activationKernel(this: KernelThis<ActivationConstants>, x: number[]): number {
  return applyActivation(x[this.thread.x], this.constants.activation, this.constants.alpha);
}

/**
 * Elementwise activation over a flat tensor of `[batch, features]` (any per-sample layout).
 * Returns `(input, batch) => output` of the same shape.
 */
export function activation(
  backend: Backend,
  desc: ElementwiseDescriptor & ActivationSpec,
): LayerKernel<[Float32Array]> {
  const constants = activationConstants(desc);
  return makeLayer(
    (batch) => batch * desc.features,
    (batch) => [
      {
        kernel: backend.kernel(
          'activation',
          activationKernel,
          constants,
          batch * desc.features,
          ACTIVATION_HELPERS,
        ),
        args: [0],
      },
    ],
    {},
    { what: 'activation', batched: [0], perSample: desc.features },
  );
}
