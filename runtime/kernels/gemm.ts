// Grouped, batched matrix multiply with a fused bias + activation epilogue: the second half of the
// im2col lowering, and on its own a 1×1 convolution with stride 1 and no padding.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import {
  ACTIVATION_HELPERS,
  activationConstants,
  applyActivation,
  type ActivationSpec,
} from './activation.js';
import { expectPositive } from './conv-util.js';

/**
 * Shape of a grouped GEMM. Weight `[groups · rows, depth]` (row-major; for a convolution this is
 * its `[outChannels, inChannels / groups, kh, kw]` weight as is), columns
 * `[batch, groups, depth, cols]`, bias `[groups · rows]`, output `[batch, groups · rows, cols]`:
 * `out[n][g·rows + r][p] = bias + Σ_k weight[g·rows + r][k] · columns[n][g][k][p]`.
 * With `cols = outHeight · outWidth` the output is flat NCHW.
 */
export interface GemmDescriptor {
  groups: number;
  rows: number;
  depth: number;
  cols: number;
  activation?: ActivationSpec;
}

interface GemmConstants {
  rows: number;
  depth: number;
  cols: number;
  groups: number;
  activation: number;
  alpha: number;
}

function gemmKernel(
  this: KernelThis<GemmConstants>,
  weight: number[],
  columns: number[],
  bias: number[],
): number {
  const p = this.thread.x % this.constants.cols;
  const row = Math.floor(this.thread.x / this.constants.cols);
  const outRows = this.constants.groups * this.constants.rows;
  const channel = row % outRows;
  const n = Math.floor(row / outRows);
  const g = Math.floor(channel / this.constants.rows);
  const colBase = (n * this.constants.groups + g) * this.constants.depth;
  const weightBase = channel * this.constants.depth;
  let sum = 0;
  for (let k = 0; k < this.constants.depth; k++) {
    sum += weight[weightBase + k] * columns[(colBase + k) * this.constants.cols + p];
  }
  return applyActivation(sum + bias[channel], this.constants.activation, this.constants.alpha);
}

/** The stage computing {@link GemmDescriptor} for `batch`; `columns` is argument `columnsArg`. */
export function gemmStage(backend: Backend, desc: GemmDescriptor, batch: number) {
  expectPositive('gemm', {
    groups: desc.groups,
    rows: desc.rows,
    depth: desc.depth,
    cols: desc.cols,
  });
  const constants: GemmConstants = {
    rows: desc.rows,
    depth: desc.depth,
    cols: desc.cols,
    groups: desc.groups,
    ...activationConstants(desc.activation),
  };
  const length = batch * desc.groups * desc.rows * desc.cols;
  return backend.kernel('gemm', gemmKernel, { ...constants }, length, ACTIVATION_HELPERS);
}

/**
 * Grouped batched GEMM specialised on `desc`. Returns `(weight, columns, bias, batch) => output`
 * (layouts in {@link GemmDescriptor}); `bias` may be `null`.
 */
export function gemm(
  backend: Backend,
  desc: GemmDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  gemmStage(backend, desc, 1);
  return makeLayer(
    (batch) => batch * desc.groups * desc.rows * desc.cols,
    (batch) => [{ kernel: gemmStage(backend, desc, batch), args: [0, 1, 2] }],
    { 2: new Float32Array(desc.groups * desc.rows) },
    {
      what: 'gemm',
      batched: [1],
      perSample: desc.groups * Math.max(desc.rows, desc.depth) * desc.cols,
      whole: { weight: desc.groups * desc.rows * desc.depth },
    },
  );
}
