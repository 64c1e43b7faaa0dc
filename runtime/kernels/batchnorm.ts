// Inference-time batch normalisation (PyTorch `BatchNorm*d` in eval mode): running statistics,
// y = (x − mean) / √(var + eps) · γ + β, per channel, with a fused activation epilogue.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import { expectPositive } from './conv-util.js';
import type { BatchNormDescriptor } from '../../contract/descriptors.js';
export type { BatchNormDescriptor } from '../../contract/descriptors.js';

interface BatchNormConstants {
  channels: number;
  spatial: number;
  eps: number;
  activation: number;
  alpha: number;
}

function batchNormKernel(
  this: KernelThis<BatchNormConstants>,
  x: number[],
  gamma: number[],
  beta: number[],
  mean: number[],
  variance: number[],
): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  const normalised = (x[this.thread.x] - mean[c]) / Math.sqrt(variance[c] + this.constants.eps);
  return applyActivation(
    normalised * gamma[c] + beta[c],
    this.constants.activation,
    this.constants.alpha,
  );
}

/**
 * Batch normalisation specialised on `desc`:
 * `(input, gamma, beta, runningMean, runningVar, batch) => output`. `gamma`/`beta` may be `null`
 * (`affine=false`: γ = 1, β = 0). `eps` defaults to 1e-5.
 */
export function batchnorm(
  backend: Backend,
  desc: BatchNormDescriptor,
): LayerKernel<
  [Float32Array, Float32Array | null, Float32Array | null, Float32Array, Float32Array]
> {
  expectPositive('batchnorm', { channels: desc.channels, spatial: desc.spatial });
  const constants: BatchNormConstants = {
    channels: desc.channels,
    spatial: desc.spatial,
    eps: desc.eps ?? 1e-5,
    ...activationConstants(desc.activation),
  };
  const length = (batch: number) => batch * desc.channels * desc.spatial;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel(
          'batchnorm',
          batchNormKernel,
          { ...constants },
          length(batch),
          ACTIVATION_HELPERS,
        ),
        args: [0, 1, 2, 3, 4],
      },
    ],
    { 1: new Float32Array(desc.channels).fill(1), 2: new Float32Array(desc.channels) },
    { what: 'batchnorm', batched: [0], perSample: length(1) },
  );
}
