// Folds a gradient with respect to a padded tensor back onto the unpadded one: every padded cell
// that copies an input cell (reflect, replicate, circular) sends its gradient to that cell, and
// zero padding simply drops the border. The backward of `pad` and of padded convolutions.
import type { Backend } from '../backend.js';
import type { KernelThis } from '../layer.js';
import { PAD_MODE_CODES, type PadMode } from '../kernels/padding.js';
import { runBatched, split } from '../exact.js';
import { expectLength } from './common.js';

/** One padded spatial dimension: the input size and the padding on each side. */
export interface FoldAxis {
  size: number;
  lo: number;
  hi: number;
}

/**
 * The padded position that candidate `a` of input index `i` reads, or −1 if it does not copy `i`
 * (a gpu.js helper). Candidate 0 is the interior cell `i + lo`; candidates `1…lo` are the low
 * border cells and `lo+1…lo+hi` the high ones, each kept when the pad mode maps it onto `i`.
 */
export function foldSource(a: number, i: number, lo: number, size: number, mode: number): number {
  if (a === 0) return i + lo;
  let q = a - 1;
  if (a > lo) q = size + a - 1;
  const raw = q - lo;
  let source = -1;
  if (mode === 1) {
    if (raw < 0) source = -raw;
    else source = 2 * (size - 1) - raw;
  }
  if (mode === 2) {
    if (raw < 0) source = 0;
    else source = size - 1;
  }
  if (mode === 3) {
    if (raw < 0) source = raw + size;
    else source = raw - size;
  }
  if (source === i) return q;
  return -1;
}

type FoldConstants = Record<
  `${'d' | 'h' | 'w'}${'In' | 'Lo' | 'Padded' | 'Candidates'}`,
  number
> & {
  mode: number;
};

function foldKernel(this: KernelThis<FoldConstants>, padded: number[]): number {
  const iw = this.thread.x % this.constants.wIn;
  const ih = Math.floor(this.thread.x / this.constants.wIn) % this.constants.hIn;
  const id =
    Math.floor(this.thread.x / (this.constants.wIn * this.constants.hIn)) % this.constants.dIn;
  const plane = Math.floor(
    this.thread.x / (this.constants.wIn * this.constants.hIn * this.constants.dIn),
  );
  let sum = 0;
  for (let a = 0; a < this.constants.dCandidates; a++) {
    const qd = foldSource(a, id, this.constants.dLo, this.constants.dIn, this.constants.mode);
    if (qd >= 0) {
      for (let b = 0; b < this.constants.hCandidates; b++) {
        const qh = foldSource(b, ih, this.constants.hLo, this.constants.hIn, this.constants.mode);
        if (qh >= 0) {
          for (let e = 0; e < this.constants.wCandidates; e++) {
            const qw = foldSource(
              e,
              iw,
              this.constants.wLo,
              this.constants.wIn,
              this.constants.mode,
            );
            if (qw >= 0) {
              sum +=
                padded[
                  ((plane * this.constants.dPadded + qd) * this.constants.hPadded + qh) *
                    this.constants.wPadded +
                    qw
                ];
            }
          }
        }
      }
    }
  }
  return sum;
}

function axisConstants(prefix: 'd' | 'h' | 'w', axis: FoldAxis): Record<string, number> {
  return {
    [`${prefix}In`]: axis.size,
    [`${prefix}Lo`]: axis.lo,
    [`${prefix}Padded`]: axis.size + axis.lo + axis.hi,
    [`${prefix}Candidates`]: 1 + axis.lo + axis.hi,
  };
}

/**
 * Folds `padded`, a flat `[planes, dPadded, hPadded, wPadded]` gradient, onto the flat
 * `[planes, depth, height, width]` input (planes = batch · channels). Use a unit axis
 * (`{ size: 1, lo: 0, hi: 0 }`) for depth in 2-D.
 */
export async function foldPadding(
  backend: Backend,
  padded: Float32Array,
  planes: number,
  axes: readonly [FoldAxis, FoldAxis, FoldAxis],
  mode: PadMode,
): Promise<Float32Array> {
  const [depth, height, width] = axes;
  const paddedSize = (axis: FoldAxis) => axis.size + axis.lo + axis.hi;
  expectLength(
    'pad gradient',
    padded,
    planes * paddedSize(depth) * paddedSize(height) * paddedSize(width),
  );
  const constants = {
    ...axisConstants('d', depth),
    ...axisConstants('h', height),
    ...axisConstants('w', width),
    mode: PAD_MODE_CODES[mode],
  };
  // Planes are independent, so a launch takes a group of planes (exact below 2^24 values).
  const perPlane = depth.size * height.size * width.size;
  return runBatched({
    what: 'pad gradient',
    batch: planes,
    kernel: (count) =>
      backend.kernel('grad-pad-fold', foldKernel, constants, count * perPlane, [foldSource]),
    args: [split(padded)],
    outputPerSample: perPlane,
  });
}
