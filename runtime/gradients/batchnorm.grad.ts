// Training-mode batch normalisation: the forward with batch statistics (and PyTorch's running-
// statistics update) and its backward through those statistics:
// dx = γ/(M·σ) · (M·g − Σg − x̂·Σ(g·x̂)), dγ = Σ g·x̂, dβ = Σ g, with M = batch · spatial.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { activationConstants, ACTIVATION_HELPERS } from '../kernels/activation.js';
import { batchnorm, type BatchNormDescriptor } from '../kernels/batchnorm.js';
import { expectPositive } from '../kernels/conv-util.js';
import { activationGradient, expectLength, type GradientFn } from './common.js';
import { runBatched, split } from '../exact.js';
import type { BatchNormTrainDescriptor } from '../../contract/descriptors.js';
export type { BatchNormTrainDescriptor } from '../../contract/descriptors.js';

/** Result of a training-mode forward; `mean`/`variance` (biased) are what the backward needs. */
export interface BatchNormTrainResult {
  output: Float32Array;
  /** Batch mean per channel, `[channels]`. */
  mean: Float32Array;
  /** Biased batch variance per channel, `[channels]` (the one that normalises). */
  variance: Float32Array;
  /** Updated running statistics: `(1 − momentum)·running + momentum·batch`, variance unbiased. */
  runningMean: Float32Array;
  runningVar: Float32Array;
}

type Constants = Record<string, number>;

// Per channel c, over the batch and spatial positions: thread c gives Σ (x − shift[c]), thread
// C + c gives Σ (x − shift[c])². Launched with C threads and a zero shift for the sums, then with
// 2C threads and the mean as shift for the squared deviations (the two-pass variance). Sums over
// groups of samples add up, so a large batch runs in exact launches (runtime/exact.ts).
function statsKernel(this: KernelThis<Constants>, x: number[], shift: number[]): number {
  const c = this.thread.x % this.constants.channels;
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    const base = (n * this.constants.channels + c) * this.constants.spatial;
    for (let s = 0; s < this.constants.spatial; s++) {
      const d = x[base + s] - shift[c];
      if (this.thread.x < this.constants.channels) sum += d;
      else sum += d * d;
    }
  }
  return sum;
}

/**
 * Training-mode batch normalisation specialised on `desc`:
 * `(input, gamma, beta, runningMean, runningVar, batch) => result` (layouts as `batchnorm`;
 * `gamma`/`beta` may be `null` for `affine=false`). Normalises with the batch statistics and
 * returns new running statistics (the inputs are not modified); PyTorch updates `running_var`
 * with the unbiased variance `var·M/(M − 1)`.
 */
export function batchnormTrain(backend: Backend, desc: BatchNormTrainDescriptor) {
  expectPositive('batchnorm', { channels: desc.channels, spatial: desc.spatial });
  const forward = batchnorm(backend, desc);
  const momentum = desc.momentum ?? 0.1;
  return async (
    input: Float32Array,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    runningMean: Float32Array,
    runningVar: Float32Array,
    batch: number,
  ): Promise<BatchNormTrainResult> => {
    const { channels, spatial } = desc;
    expectLength('batchnorm input', input, batch * channels * spatial);
    const count = batch * spatial;
    const moments = (threads: number, shift: Float32Array) =>
      runBatched({
        what: 'batchnorm',
        batch,
        kernel: (samples) =>
          backend.kernel(
            'batchnorm-stats',
            statsKernel,
            { batch: samples, channels, spatial },
            threads,
          ),
        args: [split(input), shift],
      });
    const mean = (await moments(channels, new Float32Array(channels))).map((sum) => sum / count);
    const variance = (await moments(2 * channels, mean)).slice(channels).map((sum) => sum / count);
    const output = await forward(input, gamma, beta, mean, variance, batch);
    const unbiased = count > 1 ? count / (count - 1) : 1;
    const nextMean = runningMean.map((value, c) => (1 - momentum) * value + momentum * mean[c]);
    const nextVar = runningVar.map(
      (value, c) => (1 - momentum) * value + momentum * variance[c] * unbiased,
    );
    return { output, mean, variance, runningMean: nextMean, runningVar: nextVar };
  };
}

/** What the training-mode backward needs: the forward's input, parameters and batch statistics. */
export interface BatchNormSaved {
  input: Float32Array;
  gamma: Float32Array | null;
  beta: Float32Array | null;
  mean: Float32Array;
  variance: Float32Array;
}

/** Batch-norm gradients; `gamma`/`beta` are `null` when the layer is not affine. */
export interface BatchNormGrads {
  input: Float32Array;
  gamma: Float32Array | null;
  beta: Float32Array | null;
}

// g = gy · f′(x̂·γ + β): the fused activation's pre-activation is recomputed inline.
function preGradient(
  gy: number,
  xhat: number,
  gamma: number,
  beta: number,
  activation: number,
  alpha: number,
): number {
  return gy * activationGradient(xhat * gamma + beta, activation, alpha);
}

// Threads 0…C−1 give Σ g per channel, threads C…2C−1 give Σ g·x̂.
function reduceKernel(
  this: KernelThis<Constants>,
  gradOutput: number[],
  x: number[],
  gamma: number[],
  beta: number[],
  stats: number[],
): number {
  const c = this.thread.x % this.constants.channels;
  const invStd = 1 / Math.sqrt(stats[this.constants.channels + c] + this.constants.eps);
  let sum = 0;
  for (let n = 0; n < this.constants.batch; n++) {
    const base = (n * this.constants.channels + c) * this.constants.spatial;
    for (let s = 0; s < this.constants.spatial; s++) {
      const xhat = (x[base + s] - stats[c]) * invStd;
      const g = preGradient(
        gradOutput[base + s],
        xhat,
        gamma[c],
        beta[c],
        this.constants.activation,
        this.constants.alpha,
      );
      if (this.thread.x < this.constants.channels) sum += g;
      else sum += g * xhat;
    }
  }
  return sum;
}

function inputGradKernel(
  this: KernelThis<Constants>,
  gradOutput: number[],
  x: number[],
  gamma: number[],
  beta: number[],
  stats: number[],
  sums: number[],
): number {
  const c = Math.floor(this.thread.x / this.constants.spatial) % this.constants.channels;
  const invStd = 1 / Math.sqrt(stats[this.constants.channels + c] + this.constants.eps);
  const xhat = (x[this.thread.x] - stats[c]) * invStd;
  const g = preGradient(
    gradOutput[this.thread.x],
    xhat,
    gamma[c],
    beta[c],
    this.constants.activation,
    this.constants.alpha,
  );
  const m = this.constants.count;
  return ((gamma[c] * invStd) / m) * (m * g - sums[c] - xhat * sums[this.constants.channels + c]);
}

/**
 * Backward of training-mode batch normalisation specialised on `desc`:
 * `(gradOutput, { input, gamma, beta, mean, variance }, batch) => { input, gamma, beta }`, where
 * `mean`/`variance` are the batch statistics {@link batchnormTrain} returned; flat NCHW.
 */
export function batchnormGrad(
  backend: Backend,
  desc: BatchNormDescriptor,
): GradientFn<BatchNormSaved, BatchNormGrads> {
  expectPositive('batchnorm', { channels: desc.channels, spatial: desc.spatial });
  const ones = new Float32Array(desc.channels).fill(1);
  const zeros = new Float32Array(desc.channels);
  return async (gradOutput, saved, batch) => {
    const { channels, spatial } = desc;
    const length = batch * channels * spatial;
    expectLength('batchnorm gradient', gradOutput, length);
    // `count` is the whole batch's M; `batch` is the samples of one launch (runtime/exact.ts).
    const constants = (samples: number) => ({
      batch: samples,
      channels,
      spatial,
      count: batch * spatial,
      eps: desc.eps ?? 1e-5,
      ...activationConstants(desc.activation),
    });
    const helpers = [...ACTIVATION_HELPERS, activationGradient, preGradient];
    const stats = new Float32Array(2 * channels);
    stats.set(saved.mean, 0);
    stats.set(saved.variance, channels);
    const gamma = saved.gamma ?? ones;
    const beta = saved.beta ?? zeros;
    const sums = await runBatched({
      what: 'batchnorm gradient',
      batch,
      kernel: (samples) =>
        backend.kernel(
          'grad-batchnorm-reduce',
          reduceKernel,
          constants(samples),
          2 * channels,
          helpers,
        ),
      args: [split(gradOutput), split(saved.input), gamma, beta, stats],
    });
    const perSample = channels * spatial;
    const input = await runBatched({
      what: 'batchnorm gradient',
      batch,
      kernel: (samples) =>
        backend.kernel(
          'grad-batchnorm-input',
          inputGradKernel,
          constants(samples),
          samples * perSample,
          helpers,
        ),
      args: [split(gradOutput), split(saved.input), gamma, beta, stats, sums],
      outputPerSample: perSample,
    });
    return {
      input,
      gamma: saved.gamma ? sums.slice(channels) : null,
      beta: saved.beta ? sums.slice(0, channels) : null,
    };
  };
}
