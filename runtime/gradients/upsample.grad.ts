// Backward of `upsample`: each input cell gathers the output gradients it contributed to, with the
// forward's weights (1 for nearest; (1 − λ) or λ per dimension for bilinear, both when the two
// neighbours coincide at the border, as ATen's backward accumulates them). One thread per input
// cell; the output rows and columns that can read input row/column i start at `rowStart[i]`/
// `colStart[i]` (computed here, with a margin of one) and span at most `spanHeight`/`spanWidth`.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { expectPositive } from '../kernels/conv-util.js';
import {
  sourceIndex,
  upsampleConstants,
  type UpsampleConstants,
  type UpsampleDescriptor,
} from '../kernels/upsample.js';
import { runBatched, split } from '../exact.js';
import { expectLength, type GradientFn } from './common.js';

/** The weight with which input index `i` enters output index `o` along one dimension. */
export function upsampleWeight(
  o: number,
  i: number,
  inSize: number,
  scale: number,
  ratio: number,
  bilinear: number,
  aligned: number,
): number {
  if (bilinear < 0.5) return Math.min(Math.floor(o / scale), inSize - 1) === i ? 1 : 0;
  const source = sourceIndex(o, ratio, aligned);
  const lo = Math.floor(source);
  const hi = lo < inSize - 1 ? lo + 1 : lo;
  const lambda = source - lo;
  let weight = 0;
  if (lo === i) weight += 1 - lambda;
  if (hi === i) weight += lambda;
  return weight;
}

function upsampleGradKernel(
  this: KernelThis<UpsampleConstants>,
  gradOutput: number[],
  rowStart: number[],
  colStart: number[],
): number {
  const iw = this.thread.x % this.constants.inWidth;
  const ih = Math.floor(this.thread.x / this.constants.inWidth) % this.constants.inHeight;
  const plane = Math.floor(this.thread.x / (this.constants.inWidth * this.constants.inHeight));
  const base = plane * this.constants.outHeight * this.constants.outWidth;
  let sum = 0;
  for (let j = 0; j < this.constants.spanHeight; j++) {
    const oh = rowStart[ih] + j;
    if (oh < this.constants.outHeight) {
      const wh = upsampleWeight(
        oh,
        ih,
        this.constants.inHeight,
        this.constants.scaleHeight,
        this.constants.ratioHeight,
        this.constants.bilinear,
        this.constants.aligned,
      );
      if (wh > 0) {
        for (let k = 0; k < this.constants.spanWidth; k++) {
          const ow = colStart[iw] + k;
          if (ow < this.constants.outWidth) {
            const ww = upsampleWeight(
              ow,
              iw,
              this.constants.inWidth,
              this.constants.scaleWidth,
              this.constants.ratioWidth,
              this.constants.bilinear,
              this.constants.aligned,
            );
            sum += wh * ww * gradOutput[base + oh * this.constants.outWidth + ow];
          }
        }
      }
    }
  }
  return sum;
}

/** Per input index, the first output index that may read it (less one), and the widest range. */
function reach(
  inSize: number,
  outSize: number,
  scale: number,
  ratio: number,
  c: UpsampleConstants,
): { start: Float32Array; span: number } {
  const first = new Array<number>(inSize).fill(outSize);
  const last = new Array<number>(inSize).fill(-1);
  for (let o = 0; o < outSize; o++)
    for (let i = 0; i < inSize; i++)
      if (upsampleWeight(o, i, inSize, scale, ratio, c.bilinear, c.aligned) !== 0) {
        first[i] = Math.min(first[i], o);
        last[i] = Math.max(last[i], o);
      }
  const start = Float32Array.from(first, (o) => Math.max(0, Math.min(o, outSize) - 1));
  const span = Math.max(...last.map((o, i) => o - start[i] + 2));
  return { start, span };
}

/**
 * Backward of `upsample` specialised on `desc`: `(gradOutput, {}, batch) => { input }`, flat
 * `[batch, channels, H, W]`.
 */
export function upsampleGrad(
  backend: Backend,
  desc: UpsampleDescriptor,
): GradientFn<Record<string, never>, { input: Float32Array }> {
  expectPositive('upsample', { channels: desc.channels, inHeight: desc.inHeight });
  const c = upsampleConstants(desc);
  const rows = reach(c.inHeight, c.outHeight, c.scaleHeight, c.ratioHeight, c);
  const cols = reach(c.inWidth, c.outWidth, c.scaleWidth, c.ratioWidth, c);
  const constants = { ...c, spanHeight: rows.span, spanWidth: cols.span };
  const inPerSample = desc.channels * c.inHeight * c.inWidth;
  const outPerSample = desc.channels * c.outHeight * c.outWidth;
  return async (gradOutput, _saved, batch) => {
    expectLength('upsample gradient', gradOutput, batch * outPerSample);
    const input = await runBatched({
      what: 'upsample gradient',
      batch,
      kernel: (count) =>
        backend.kernel('grad-upsample', upsampleGradKernel, constants, count * inPerSample, [
          sourceIndex,
          upsampleWeight,
        ]),
      args: [split(gradOutput), rows.start, cols.start],
      outputPerSample: inPerSample,
    });
    return { input };
  };
}
