// Plumbing shared by the backward kernels: running one cached gpu.js kernel, the activation
// derivative helper for fused epilogues, and the reductions several gradients need (sums over the
// batch and spatial positions of a channel).
import { checkNoFallback, type Backend, type GpuKernel } from '../backend.js';
import { toFloat32, type KernelThis } from '../layer.js';
import { ACTIVATION_CODES, erfApprox, type ActivationSpec } from '../kernels/activation.js';
import { runBatched, runElementwise, split } from '../exact.js';

/**
 * A gradient function: given the gradient of the loss with respect to the layer's output
 * (`gradOutput`, same layout as the forward output), the tensors the forward saw (`saved`) and the
 * batch size, resolves to the gradients with respect to the layer's inputs and parameters.
 * Every tensor is a fresh flat `Float32Array`; callers may mutate results.
 */
export type GradientFn<Saved, Grads> = (
  gradOutput: Float32Array,
  saved: Saved,
  batch: number,
) => Promise<Grads>;

/** Factory options shared by layers whose input gradient may be skipped (the first layer's). */
export interface GradientOptions {
  /** Compute the gradient with respect to the layer input (default true); `null` otherwise. */
  inputGradient?: boolean;
}

/** Runs a cached kernel on flat arrays and returns its flat result, refusing a cpu fallback. */
export async function runKernel(kernel: GpuKernel, ...args: Float32Array[]): Promise<Float32Array> {
  const result = await kernel(...args);
  checkNoFallback(kernel);
  return toFloat32(result);
}

/** Throws unless `data` holds exactly `expected` values; `what` names the layer and tensor. */
export function expectLength(what: string, data: Float32Array, expected: number): void {
  if (data.length !== expected) {
    throw new Error(`${what}: expected ${expected} values, found ${data.length}`);
  }
}

/**
 * Derivative of activation `code` (see `ACTIVATION_CODES`) at the pre-activation `v`; a gpu.js
 * helper. At kinks it follows PyTorch's backward: relu'(0) = 0, relu6' is 1 only on (0, 6),
 * leaky_relu'(0) = alpha, elu'(0) = alpha, hardswish' is v/3 + 1/2 on [−3, 3].
 */
export function activationGradient(v: number, code: number, alpha: number): number {
  if (code === 1) {
    if (v > 0) return 1;
    return 0;
  }
  if (code === 2) {
    if (v > 0 && v < 6) return 1;
    return 0;
  }
  if (code === 3) {
    if (v > 0) return 1;
    return alpha;
  }
  if (code === 4) {
    if (v > 0) return 1;
    return alpha * Math.exp(v);
  }
  if (code === 5) {
    const s = 1 / (1 + Math.exp(-v));
    return s * (1 - s);
  }
  if (code === 6) {
    const th = Math.tanh(v);
    return 1 - th * th;
  }
  if (code === 7) {
    // Φ(v) + v·φ(v), with Φ through the same erf approximation as the forward.
    const cdf = 0.5 * (1 + erfApprox(v * 0.7071067811865476));
    return cdf + v * 0.3989422804014327 * Math.exp(-0.5 * v * v);
  }
  if (code === 8) {
    const s = 1 / (1 + Math.exp(-v));
    return s * (1 + v * (1 - s));
  }
  if (code === 9) {
    if (v < -3) return 0;
    if (v <= 3) return v / 3 + 0.5;
    return 1;
  }
  return 1;
}

/** The helpers a kernel calling {@link activationGradient} must register with gpu.js. */
export const ACTIVATION_GRADIENT_HELPERS = [erfApprox, activationGradient] as const;

/** Whether `spec` is absent or the identity, so a fused epilogue needs no backward step. */
export function isIdentity(spec: ActivationSpec | undefined): boolean {
  return spec === undefined || ACTIVATION_CODES[spec.kind] === 0;
}

interface ChannelSumConstants {
  batch: number;
  channels: number;
  spatial: number;
}

function channelSumKernel(this: KernelThis<ChannelSumConstants>, values: number[]): number {
  const c = this.thread.x;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    const base = (n * this.constants.channels + c) * this.constants.spatial;
    for (let s = 0; s < this.constants.spatial; s++) sum += values[base + s];
  }
  return sum;
}

/**
 * Sums a flat `[batch, channels, spatial]` tensor over batch and spatial positions, giving
 * `[channels]`: the bias gradient of a convolution or linear layer (`spatial = 1`).
 */
export async function channelSum(
  backend: Backend,
  values: Float32Array,
  batch: number,
  channels: number,
  spatial: number,
): Promise<Float32Array> {
  expectLength('channel sum', values, batch * channels * spatial);
  return runBatched({
    what: 'channel sum',
    batch,
    kernel: (count) =>
      backend.kernel(
        'grad-channel-sum',
        channelSumKernel,
        { batch: count, channels, spatial },
        channels,
      ),
    args: [split(values)],
  });
}

interface ActivationBackwardConstants {
  activation: number;
  alpha: number;
}

function activationBackwardKernel(
  this: KernelThis<ActivationBackwardConstants>,
  gradOutput: number[],
  pre: number[],
): number {
  return (
    gradOutput[this.thread.x] *
    activationGradient(pre[this.thread.x], this.constants.activation, this.constants.alpha)
  );
}

/**
 * `gradOutput · f′(pre)` elementwise for activation `constants`: the backward of an activation layer
 * and of every fused activation epilogue (`pre` is the value before the activation).
 */
export async function activationBackward(
  backend: Backend,
  constants: ActivationBackwardConstants,
  gradOutput: Float32Array,
  pre: Float32Array,
): Promise<Float32Array> {
  expectLength('activation gradient', pre, gradOutput.length);
  const kernel = (length: number) =>
    backend.kernel(
      'grad-activation',
      activationBackwardKernel,
      { ...constants },
      length,
      ACTIVATION_GRADIENT_HELPERS,
    );
  return runElementwise('activation gradient', kernel, gradOutput, pre);
}
