// Backward of group normalisation. With x̂ = (x − μ)·r, r = 1/√(σ² + eps), g = gy · γ_c and means
// over each (sample, group) of M = groupSize values:
// dx = r · (g − mean(g) − x̂ · mean(g · x̂)), dγ_c = Σ_{n, s} gy · x̂, dβ_c = Σ_{n, s} gy.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { expectPositive } from '../kernels/conv-util.js';
import {
  groupnormConstants,
  groupStatsKernel,
  type GroupNormConstants,
  type GroupNormDescriptor,
} from '../kernels/groupnorm.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

/** What the backward reads: the forward's input and its scale (`null` when not affine). */
export interface GroupNormSaved {
  input: Float32Array;
  weight: Float32Array | null;
  bias: Float32Array | null;
}

/** Gradients of the input and, when affine, of γ (`weight`) and β (`bias`). */
export interface GroupNormGrads {
  input: Float32Array;
  weight: Float32Array | null;
  bias: Float32Array | null;
}

// Thread 2k gives Σ g over (sample, group) k, thread 2k + 1 gives Σ g·x̂.
function groupSumsKernel(
  this: KernelThis<GroupNormConstants>,
  gradOutput: number[],
  x: number[],
  stats: number[],
  gamma: number[],
): number {
  const k = Math.floor(this.thread.x / 2);
  const base = k * this.constants.groupSize;
  const g0 = (k % this.constants.groups) * this.constants.perGroup;
  const mean = stats[2 * k];
  const invStd = 1 / Math.sqrt(stats[2 * k + 1] + this.constants.eps);
  let sum = 0;
  for (let i = 0; i < this.constants.groupSize; i++) {
    const c = g0 + Math.floor(i / this.constants.spatial);
    const g = gradOutput[base + i] * gamma[c];
    if (this.thread.x % 2 < 0.5) sum += g;
    else sum += g * (x[base + i] - mean) * invStd;
  }
  return sum;
}

function inputGradKernel(
  this: KernelThis<GroupNormConstants>,
  gradOutput: number[],
  x: number[],
  stats: number[],
  gamma: number[],
  sums: number[],
): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  const k = Math.floor(this.thread.x / this.constants.groupSize);
  const invStd = 1 / Math.sqrt(stats[2 * k + 1] + this.constants.eps);
  const xhat = (x[this.thread.x] - stats[2 * k]) * invStd;
  const m = this.constants.groupSize;
  const g = gradOutput[this.thread.x] * gamma[c];
  return invStd * (g - sums[2 * k] / m - (xhat * sums[2 * k + 1]) / m);
}

// Thread c gives Σ gy·x̂ over channel c (dγ), thread C + c gives Σ gy (dβ).
function paramGradKernel(
  this: KernelThis<GroupNormConstants>,
  gradOutput: number[],
  x: number[],
  stats: number[],
): number {
  const c = this.thread.x % this.constants.channels;
  const g = Math.floor(c / this.constants.perGroup);
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    const k = n * this.constants.groups + g;
    const invStd = 1 / Math.sqrt(stats[2 * k + 1] + this.constants.eps);
    const base = (n * this.constants.channels + c) * this.constants.spatial;
    for (let s = 0; s < this.constants.spatial; s++) {
      const gy = gradOutput[base + s];
      if (this.thread.x < this.constants.channels)
        sum += gy * (x[base + s] - stats[2 * k]) * invStd;
      else sum += gy;
    }
  }
  return sum;
}

/**
 * Backward of `groupnorm` specialised on `desc`:
 * `(gradOutput, { input, weight, bias }, batch) => { input, weight, bias }`, flat NCHW.
 */
export function groupnormGrad(
  backend: Backend,
  desc: GroupNormDescriptor,
): GradientFn<GroupNormSaved, GroupNormGrads> {
  expectPositive('groupnorm', { channels: desc.channels, spatial: desc.spatial });
  const constants = groupnormConstants(desc);
  const ones = new Float32Array(desc.channels).fill(1);
  const perSample = desc.channels * desc.spatial;
  const statsPerSample = 2 * desc.groups;
  return async (gradOutput, saved, batch) => {
    expectLength('groupnorm gradient', gradOutput, batch * perSample);
    expectLength('groupnorm gradient input', saved.input, batch * perSample);
    const gamma = saved.weight ?? ones;
    const stats = await runBatched({
      what: 'groupnorm gradient',
      batch,
      kernel: (count) =>
        backend.kernel('groupnorm-stats', groupStatsKernel, constants, count * statsPerSample),
      args: [split(saved.input)],
      outputPerSample: statsPerSample,
    });
    const sums = await runBatched({
      what: 'groupnorm gradient',
      batch,
      kernel: (count) =>
        backend.kernel('grad-groupnorm-sums', groupSumsKernel, constants, count * statsPerSample),
      args: [split(gradOutput), split(saved.input), split(stats), gamma],
      outputPerSample: statsPerSample,
    });
    const input = await runBatched({
      what: 'groupnorm gradient',
      batch,
      kernel: (count) =>
        backend.kernel('grad-groupnorm', inputGradKernel, constants, count * perSample),
      args: [split(gradOutput), split(saved.input), split(stats), gamma, split(sums)],
      outputPerSample: perSample,
    });
    if (!saved.weight) return { input, weight: null, bias: null };
    const params = await runBatched({
      what: 'groupnorm gradient',
      batch,
      kernel: (count) =>
        backend.kernel(
          'grad-groupnorm-params',
          paramGradKernel,
          { ...constants, batch: count },
          2 * desc.channels,
        ),
      args: [split(gradOutput), split(saved.input), split(stats)],
    });
    return {
      input,
      weight: params.slice(0, desc.channels),
      bias: params.slice(desc.channels),
    };
  };
}
