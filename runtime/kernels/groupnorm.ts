// Group normalisation (PyTorch `nn.GroupNorm`): the channels split into `groups` consecutive
// groups, each sample's group normalised by its own mean and biased variance over the group's
// channels and positions, y = (x − μ)/√(σ² + eps) · γ_c + β_c. Same in training and evaluation
// (no running statistics). Two stages: the statistics of every (sample, group), then the output.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';

import type { GroupNormDescriptor } from '../../contract/descriptors.js';
export type { GroupNormDescriptor } from '../../contract/descriptors.js';

/** Constants of the kernels: `groupSize` values per (sample, group). */
export type GroupNormConstants = Record<string, number>;

/** The kernels' constants of `desc`. */
export function groupnormConstants(desc: GroupNormDescriptor): GroupNormConstants {
  const perGroup = desc.channels / desc.groups;
  return {
    channels: desc.channels,
    spatial: desc.spatial,
    groups: desc.groups,
    perGroup,
    groupSize: perGroup * desc.spatial,
    eps: desc.eps,
  };
}

/**
 * Thread 2k gives the mean of (sample, group) k = n·groups + g, thread 2k + 1 its biased variance
 * (two passes). A group's values are contiguous in NCHW: `groupSize` values from k·groupSize.
 */
export function groupStatsKernel(this: KernelThis<GroupNormConstants>, x: number[]): number {
  const k = Math.floor(this.thread.x / 2);
  const base = k * this.constants.groupSize;
  let sum = 0;
  for (let i = 0; i < this.constants.groupSize; i++) sum += x[base + i];
  const mean = sum / this.constants.groupSize;
  if (this.thread.x % 2 < 0.5) return mean;
  let squares = 0;
  for (let i = 0; i < this.constants.groupSize; i++) {
    const d = x[base + i] - mean;
    squares += d * d;
  }
  return squares / this.constants.groupSize;
}

function groupnormKernel(
  this: KernelThis<GroupNormConstants>,
  x: number[],
  stats: number[],
  gamma: number[],
  beta: number[],
): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  const k = Math.floor(this.thread.x / this.constants.groupSize);
  const mean = stats[2 * k];
  const invStd = 1 / Math.sqrt(stats[2 * k + 1] + this.constants.eps);
  return (x[this.thread.x] - mean) * invStd * gamma[c] + beta[c];
}

/**
 * Group normalisation specialised on `desc`: `(input, gamma, beta, batch) => output`; `gamma` and
 * `beta` are `[channels]`, or `null` for `affine=false` (γ = 1, β = 0).
 */
export function groupnorm(
  backend: Backend,
  desc: GroupNormDescriptor,
): LayerKernel<[Float32Array, Float32Array | null, Float32Array | null]> {
  expectPositive('groupnorm', { channels: desc.channels, spatial: desc.spatial });
  if (desc.channels % desc.groups !== 0)
    throw new Error(`groupnorm: ${desc.groups} groups do not divide ${desc.channels} channels`);
  const constants = groupnormConstants(desc);
  const length = (batch: number) => batch * desc.channels * desc.spatial;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel(
          'groupnorm-stats',
          groupStatsKernel,
          { ...constants },
          2 * batch * desc.groups,
        ),
        args: [0],
      },
      {
        kernel: backend.kernel('groupnorm', groupnormKernel, { ...constants }, length(batch)),
        args: [0, 'previous', 1, 2],
      },
    ],
    { 1: new Float32Array(desc.channels).fill(1), 2: new Float32Array(desc.channels) },
    { what: 'groupnorm', batched: [0], perSample: length(1) },
  );
}
