// Register-blocked f32x4 gradients of a stride-1, ungrouped, zero-padded convolution (docs/
// wasm-target.md, "Training"). Both read zero-padded copies in the thread's scratch, so every
// tap reads at a constant offset and no loop has bounds checks or a scalar tail:
//
// - the weight gradient `dW[o, c, ky, kx] = Σ_n Σ_(oy, ox) dY[n, o, oy, ox] · X[n, c, oy + ky·dh −
//   padTop, ox + kx·dw − padLeft]`: per sample, dY with its rows padded to whole vectors (`D`) and
//   X padded to match (`P`); a tile of 2 output channels × 4 taps keeps 8 f32x4 accumulators over
//   all output positions, reduced lane-wise and added to dW once per sample. Units are blocks of
//   output channels; every unit runs the samples in order, so results do not depend on threads.
// - the input gradient, a full correlation of dY with the flipped filters: `dX[c, iy, ix] = Σ_o
//   Σ_(ky, kx) W[o, c, ky, kx] · Z[o, iy + (kh−1−ky)·dh, ix + (kw−1−kx)·dw]`, where Z is dY
//   shifted by `(kh−1)·dh − padTop` rows and `(kw−1)·dw − padLeft` columns in a zero plane; a tile
//   of `MC` input channels × `VB` vectors of one row keeps `MC·VB ≤ 8` accumulators over every
//   output channel and tap. One unit per sample.
import type { KernelCall } from '../../target.js';
import { geometryOf, type ConvGeometry } from '../gemm.js';
import { valueAddress, type GeneratedKernel } from '../kernel.js';
import {
  add,
  addConst,
  f32,
  forLoop,
  get,
  i32,
  ifThen,
  Labels,
  load,
  locals,
  mulConst,
  set,
  store,
  sub,
} from '../wat.js';
import { ALL_SAMPLES, unitLoop, type BackwardEnv, type BackwardValues } from './common.js';

/** Scratch one thread may use for the padded copies (larger layers keep the tap-unrolled kernels). */
const MAX_SCRATCH = 1 << 20;

const ceilTo = (value: number, step: number) => Math.ceil(value / step) * step;

/** The weight gradient's padded copies: D `[O, OH, ODW]` and P `[C, PH, PW]` (floats). */
function weightLayout(g: ConvGeometry) {
  const rowVectors = Math.ceil(g.outWidth / 4);
  const dWidth = 4 * rowVectors;
  const pHeight = g.outHeight + (g.filterHeight - 1) * g.dilationHeight;
  const pWidth = dWidth + (g.filterWidth - 1) * g.dilationWidth;
  const dFloats = g.outChannels * g.outHeight * dWidth;
  const pFloats = g.inChannels * pHeight * pWidth;
  return { rowVectors, dWidth, pHeight, pWidth, dFloats, pFloats, bytes: 4 * (dFloats + pFloats) };
}

/** The input gradient's tile and its padded copy Z `[O, ZH, ZW]`. */
function inputLayout(g: ConvGeometry) {
  const vectors = Math.ceil(g.inWidth / 4);
  const vb = Math.min(4, vectors);
  const mc = Math.min(Math.max(1, Math.floor(8 / vb)), g.inChannels);
  const blockWidth = 4 * vb;
  const xBlocks = Math.ceil(g.inWidth / blockWidth);
  const shiftY = (g.filterHeight - 1) * g.dilationHeight - g.padTop;
  const shiftX = (g.filterWidth - 1) * g.dilationWidth - g.padLeft;
  const zHeight = g.inHeight + (g.filterHeight - 1) * g.dilationHeight;
  const zWidth = xBlocks * blockWidth + (g.filterWidth - 1) * g.dilationWidth;
  const bytes = 4 * g.outChannels * zHeight * zWidth;
  return { vb, mc, blockWidth, xBlocks, shiftY, shiftX, zHeight, zWidth, bytes };
}

/** Whether these kernels compute this convolution's gradients (else the tap-unrolled ones do). */
export function convVectorApplies(call: KernelCall): boolean {
  const g = geometryOf(call);
  if (g.groups !== 1 || g.strideHeight !== 1 || g.strideWidth !== 1 || g.padMode !== 'zeros')
    return false;
  const input = inputLayout(g);
  return (
    input.shiftY >= 0 &&
    input.shiftX >= 0 &&
    g.padBottom <= (g.filterHeight - 1) * g.dilationHeight &&
    g.padRight <= (g.filterWidth - 1) * g.dilationWidth &&
    weightLayout(g).bytes <= MAX_SCRATCH &&
    input.bytes <= MAX_SCRATCH
  );
}

const LOCALS: Record<string, string> = {
  u: 'i32',
  n: 'i32',
  o: 'i32',
  c: 'i32',
  y: 'i32',
  v: 'i32',
  r: 'i32',
  src: 'i32',
  dst: 'i32',
  pd: 'i32',
  pp: 'i32',
  pw: 'i32',
  gw: 'i32',
  in0: 'i32',
  out: 'i32',
  va: 'v128',
  vb: 'v128',
  sum: 'v128',
  ...Object.fromEntries(Array.from({ length: 8 }, (_, idx) => [`a${idx}`, 'v128'])),
};

const ZERO = '(v128.const i32x4 0 0 0 0)';

/** `count` floats (a multiple of 4) at the i32 local `dst` set to zero; `$r` is the counter. */
function zeroFloats(labels: Labels, dst: string, count: number): string {
  return forLoop(
    labels,
    'r',
    i32(0),
    i32(count / 4),
    store('v128', add(get(dst), mulConst(get('r'), 16)), ZERO),
  );
}

/**
 * Copies `rows` rows of `width` floats from `$src` (rows `srcStride` bytes apart) to `$dst` (rows
 * `dstStride` bytes apart): whole vectors, then the last floats one by one. Moves both locals.
 */
function copyRows(
  labels: Labels,
  rows: number,
  width: number,
  srcStride: number,
  dstStride: number,
): string {
  const vectors = Math.floor(width / 4);
  const tail = Array.from({ length: width - 4 * vectors }, (_, idx) =>
    store(
      'f32',
      get('dst'),
      load('f32', get('src'), 4 * (4 * vectors + idx)),
      4 * (4 * vectors + idx),
    ),
  ).join('\n');
  return forLoop(
    labels,
    'y',
    i32(0),
    i32(rows),
    `${
      vectors > 0
        ? forLoop(
            labels,
            'v',
            i32(0),
            i32(vectors),
            store(
              'v128',
              add(get('dst'), mulConst(get('v'), 16)),
              load('v128', add(get('src'), mulConst(get('v'), 16))),
            ),
          )
        : ''
    }
${tail}
${set('src', addConst(get('src'), srcStride))}
${set('dst', addConst(get('dst'), dstStride))}`,
  );
}

/** `lane0 + lane1 + lane2 + lane3` of a v128 local, pairwise. */
function lanes(name: string): string {
  const lane = (idx: number) => `(f32x4.extract_lane ${idx} (local.get $${name}))`;
  return `(f32.add (f32.add ${lane(0)} ${lane(1)}) (f32.add ${lane(2)} ${lane(3)}))`;
}

/** The weight gradient (and the bias gradient) in one phase, units = pairs of output channels. */
export function convWeightGradVector(
  call: KernelCall,
  values: BackwardValues,
  env: BackwardEnv,
): GeneratedKernel {
  const g = geometryOf(call);
  const labels = new Labels();
  const L = weightLayout(g);
  const khw = g.filterHeight * g.filterWidth;
  const depth = g.inChannels * khw;
  const [weightName, biasName] = call.params;
  const gradW = env.gradient(weightName as string, g.outChannels * depth);
  const gradB = biasName ? env.gradient(biasName, g.outChannels) : null;
  const MO = 2;
  const units = Math.ceil(g.outChannels / MO);
  const dPlane = 4 * g.outHeight * L.dWidth;
  const pPlane = 4 * L.pHeight * L.pWidth;
  const pRow = 4 * L.pWidth;
  // Where sample n's input lands in P: rows and columns shifted by the padding, clipped to P.
  const firstRow = Math.max(0, g.padTop);
  const copyRowsP = Math.min(g.inHeight, L.pHeight - g.padTop) - Math.max(0, -g.padTop);
  const copyWidth = Math.min(g.inWidth, L.pWidth - g.padLeft);
  const srcSkip = Math.max(0, -g.padTop);

  const copies = `${set('dst', get('scr'))}
${zeroFloats(labels, 'dst', ceilTo(L.dFloats + L.pFloats, 4))}
${set('src', valueAddress(env, 'n', values.gradOutput))}
${copyRows(labels, g.outChannels * g.outHeight, g.outWidth, 4 * g.outWidth, 4 * L.dWidth)}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(g.inChannels),
  `${set('src', add(valueAddress(env, 'n', values.inputs[0]), mulConst(get('c'), 4 * g.inHeight * g.inWidth)))}
${set('src', addConst(get('src'), 4 * srcSkip * g.inWidth))}
${set('dst', add(addConst(get('scr'), 4 * L.dFloats), mulConst(get('c'), pPlane)))}
${set('dst', addConst(get('dst'), firstRow * pRow + 4 * g.padLeft))}
${copyRows(labels, Math.max(0, copyRowsP), copyWidth, 4 * g.inWidth, pRow)}`,
)}`;

  /** The tile of `mo` output channels (from `$o`) × `taps` (flat tap indices), channel `$c`. */
  const tileFor = (mo: number, tapList: number[]) => {
    const accs = (r: number, t: number) => `a${r * tapList.length + t}`;
    const init = Array.from({ length: mo * tapList.length }, (_, idx) => set(`a${idx}`, ZERO));
    const step: string[] = [];
    for (let r = 0; r < mo; r++) step.push(set(`va${r}`, load('v128', get('pd'), r * dPlane)));
    tapList.forEach((tap, t) => {
      const ky = Math.floor(tap / g.filterWidth);
      const kx = tap % g.filterWidth;
      const offset = 4 * (ky * g.dilationHeight * L.pWidth + kx * g.dilationWidth);
      step.push(set('vb', load('v128', get('pp'), offset)));
      for (let r = 0; r < mo; r++)
        step.push(
          set(
            accs(r, t),
            `(f32x4.add ${get(accs(r, t))} (f32x4.mul ${get(`va${r}`)} ${get('vb')}))`,
          ),
        );
    });
    const tileLabels = new Labels();
    const rowLoop = forLoop(
      tileLabels,
      'y',
      i32(0),
      i32(g.outHeight),
      `${forLoop(
        tileLabels,
        'v',
        i32(0),
        i32(L.rowVectors),
        `${step.join('\n')}
${set('pd', addConst(get('pd'), 16))}
${set('pp', addConst(get('pp'), 16))}`,
      )}
${set('pp', addConst(get('pp'), pRow - 16 * L.rowVectors))}`,
    );
    const flush: string[] = [];
    for (let r = 0; r < mo; r++)
      tapList.forEach((tap, t) => {
        const offset = 4 * (r * depth + tap);
        flush.push(
          store(
            'f32',
            get('gw'),
            `(f32.add ${load('f32', get('gw'), offset)} ${lanes(accs(r, t))})`,
            offset,
          ),
        );
      });
    // A small function per tile shape: V8 keeps its accumulators in registers.
    const helperLocals = {
      ...Object.fromEntries(Array.from({ length: 8 }, (_, idx) => [`a${idx}`, 'v128'])),
      va0: 'v128',
      va1: 'v128',
      vb: 'v128',
      y: 'i32',
      v: 'i32',
    };
    const name = env.helper(
      `dw${mo}x${tapList.length}`,
      (fn) => `(func ${fn} (param $pd i32) (param $pp i32) (param $gw i32) ${locals(helperLocals)}
${init.join('\n')}
${rowLoop}
${flush.join('\n')})`,
    );
    return `(call ${name} ${add(get('scr'), mulConst(get('o'), dPlane))} ${add(addConst(get('scr'), 4 * L.dFloats), mulConst(get('c'), pPlane))} ${get('gw')})`;
  };

  const tapBlocks: number[][] = [];
  for (let tap = 0; tap < khw; tap += 4)
    tapBlocks.push(Array.from({ length: Math.min(4, khw - tap) }, (_, idx) => tap + idx));
  /** All channels and taps for `mo` output channels from `$o`; `$gw` points at dW[o, c = 0]. */
  const channelsFor = (mo: number) =>
    forLoop(
      labels,
      'c',
      i32(0),
      i32(g.inChannels),
      `${tapBlocks.map((taps) => tileFor(mo, taps)).join('\n')}
${set('gw', addConst(get('gw'), 4 * khw))}`,
    );
  const biasFor = (mo: number) =>
    gradB === null
      ? ''
      : Array.from(
          { length: mo },
          (_, r) => `${set('sum', ZERO)}
${set('pd', add(addConst(get('scr'), r * dPlane), mulConst(get('o'), dPlane)))}
${forLoop(
  labels,
  'v',
  i32(0),
  i32((g.outHeight * L.dWidth) / 4),
  `${set('sum', `(f32x4.add ${get('sum')} ${load('v128', get('pd'))})`)}
${set('pd', addConst(get('pd'), 16))}`,
)}
${store('f32', mulConst(get('o'), 4), `(f32.add ${load('f32', mulConst(get('o'), 4), gradB + 4 * r)} ${lanes('sum')})`, gradB + 4 * r)}`,
        ).join('\n');
  const oddTail = g.outChannels % MO !== 0;
  const perUnit = (mo: number) => `${biasFor(mo)}
${set('gw', addConst(mulConst(get('o'), 4 * depth), gradW))}
${channelsFor(mo)}`;
  // Zero this unit range's rows of dW and db, then add every sample's share in order.
  const zeroRows = unitLoop(
    labels,
    `${set('o', mulConst(get('u'), MO))}
${forLoop(
  labels,
  'r',
  mulConst(get('o'), depth),
  `(i32.mul (select ${i32(g.outChannels)} ${addConst(get('o'), MO)} (i32.gt_s ${addConst(get('o'), MO)} ${i32(g.outChannels)})) ${i32(depth)})`,
  store('f32', mulConst(get('r'), 4), f32(0), gradW),
)}
${
  gradB === null
    ? ''
    : Array.from({ length: MO }, (_, r) =>
        ifThen(
          `(i32.lt_s ${addConst(get('o'), r)} ${i32(g.outChannels)})`,
          store('f32', mulConst(get('o'), 4), f32(0), gradB + 4 * r),
        ),
      ).join('\n')
}`,
  );
  const body = `${zeroRows}
${forLoop(
  labels,
  'n',
  i32(0),
  get('batch'),
  `${copies}
${unitLoop(
  labels,
  `${set('o', mulConst(get('u'), MO))}
${
  oddTail
    ? ifThen(`(i32.lt_s ${get('u')} ${i32(units - 1)})`, perUnit(MO), perUnit(g.outChannels % MO))
    : perUnit(MO)
}`,
)}`,
)}`;
  return {
    locals: { ...LOCALS, va0: 'v128', va1: 'v128' },
    body,
    samplesPerUnit: ALL_SAMPLES,
    unitsPerGroup: units,
    scratchBytes: L.bytes + 64,
    macs: g.outChannels * g.outHeight * g.outWidth * depth,
  };
}

/** The input gradient, one unit per sample. */
export function convInputGradVector(
  call: KernelCall,
  values: BackwardValues,
  env: BackwardEnv,
): GeneratedKernel {
  const g = geometryOf(call);
  const labels = new Labels();
  const L = inputLayout(g);
  const khw = g.filterHeight * g.filterWidth;
  const depth = g.inChannels * khw;
  const weight = env.weight(call.params[0] as string, {
    kind: 'plain',
    length: g.outChannels * depth,
  });
  const zPlane = 4 * L.zHeight * L.zWidth;
  const zRow = 4 * L.zWidth;
  const output = values.gradInputs[0] as number;
  const copyHeight = Math.min(g.outHeight, L.zHeight - L.shiftY);
  const copyWidth = Math.min(g.outWidth, L.zWidth - L.shiftX);
  const copies = `${set('dst', get('scr'))}
${zeroFloats(labels, 'dst', ceilTo(g.outChannels * L.zHeight * L.zWidth, 4))}
${forLoop(
  labels,
  'o',
  i32(0),
  i32(g.outChannels),
  `${set('src', add(get('in0'), mulConst(get('o'), 4 * g.outHeight * g.outWidth)))}
${set('dst', add(get('scr'), mulConst(get('o'), zPlane)))}
${set('dst', addConst(get('dst'), L.shiftY * zRow + 4 * L.shiftX))}
${copyRows(labels, copyHeight, copyWidth, 4 * g.outWidth, zRow)}`,
)}`;
  const acc = (r: number, v: number) => `a${r * L.vb + v}`;
  // Filter rows grouped: row ky reads dY row `$oy0 − ky·dh` (`$oy0` = iy + padTop), and is
  // skipped when that row is padding (zeros in Z: about a third of LeNet-5 conv2's taps).
  const taps: string[] = [];
  for (let ky = 0; ky < g.filterHeight; ky++) {
    const rowTaps: string[] = [];
    for (let kx = 0; kx < g.filterWidth; kx++) {
      const zOffset =
        4 * ((g.filterHeight - 1 - ky) * g.dilationHeight * L.zWidth) +
        4 * (g.filterWidth - 1 - kx) * g.dilationWidth;
      const lines: string[] = [];
      for (let v = 0; v < L.vb; v++)
        lines.push(set(`z${v}`, load('v128', get('pp'), zOffset + 16 * v)));
      for (let r = 0; r < L.mc; r++) {
        const wOffset = 4 * (r * khw + ky * g.filterWidth + kx);
        lines.push(
          set(
            'va',
            wOffset === 0
              ? `(v128.load32_splat ${get('pw')})`
              : `(v128.load32_splat offset=${wOffset} ${get('pw')})`,
          ),
        );
        for (let v = 0; v < L.vb; v++)
          lines.push(
            set(
              acc(r, v),
              `(f32x4.add ${get(acc(r, v))} (f32x4.mul ${get('va')} ${get(`z${v}`)}))`,
            ),
          );
      }
      rowTaps.push(lines.join('\n'));
    }
    taps.push(
      ifThen(
        `(i32.lt_u ${sub(get('oy0'), i32(ky * g.dilationHeight))} ${i32(g.outHeight)})`,
        rowTaps.join('\n'),
      ),
    );
  }
  const init = Array.from({ length: L.mc * L.vb }, (_, idx) => set(`a${idx}`, ZERO)).join('\n');
  // Stores: whole vectors when the block's rows and columns are all inside dX, else float by
  // float (`$crows` valid channels, `$xlim` valid columns from the block's first).
  const fullStores: string[] = [];
  const maskedStores: string[] = [];
  for (let r = 0; r < L.mc; r++) {
    const rowStores: string[] = [];
    for (let v = 0; v < L.vb; v++) {
      fullStores.push(
        store('v128', get('dst'), get(acc(r, v)), 4 * r * g.inHeight * g.inWidth + 16 * v),
      );
      for (let lane = 0; lane < 4; lane++)
        rowStores.push(
          ifThen(
            `(i32.lt_s ${i32(4 * v + lane)} ${get('xlim')})`,
            store(
              'f32',
              get('dst'),
              `(f32x4.extract_lane ${lane} ${get(acc(r, v))})`,
              4 * (r * g.inHeight * g.inWidth + 4 * v + lane),
            ),
          ),
        );
    }
    maskedStores.push(ifThen(`(i32.lt_s ${i32(r)} ${get('crows')})`, rowStores.join('\n')));
  }
  const inside = `(i32.and (i32.ge_s ${get('xlim')} ${i32(L.blockWidth)}) (i32.ge_s ${get('crows')} ${i32(L.mc)}))`;
  const blockLabels = new Labels();
  const helperLocals = {
    ...Object.fromEntries(Array.from({ length: L.mc * L.vb }, (_, idx) => [`a${idx}`, 'v128'])),
    ...Object.fromEntries(Array.from({ length: L.vb }, (_, v) => [`z${v}`, 'v128'])),
    va: 'v128',
    o: 'i32',
  };
  // A small function for the tile: V8 keeps its accumulators in registers.
  const tileName = env.helper(
    'dx',
    (
      fn,
    ) => `(func ${fn} (param $pw i32) (param $pp i32) (param $dst i32) (param $crows i32) (param $xlim i32) (param $oy0 i32) ${locals(helperLocals)}
${init}
${forLoop(
  blockLabels,
  'o',
  i32(0),
  i32(g.outChannels),
  `${taps.join('\n')}
${set('pw', addConst(get('pw'), 4 * depth))}
${set('pp', addConst(get('pp'), zPlane))}`,
)}
${ifThen(inside, fullStores.join('\n'), maskedStores.join('\n'))})`,
  );
  const block = `(call ${tileName} ${add(i32(weight), mulConst(get('c'), 4 * khw))} ${add(add(get('scr'), mulConst(get('y'), zRow)), mulConst(get('v'), 4))} ${add(add(get('out'), mulConst(get('c'), 4 * g.inHeight * g.inWidth)), add(mulConst(get('y'), 4 * g.inWidth), mulConst(get('v'), 4)))} ${sub(i32(g.inChannels), get('c'))} ${sub(i32(g.inWidth), get('v'))} ${addConst(get('y'), g.padTop)})`;
  // $v is the first column of the block, $y the row, $c the first channel of the tile.
  const body = `${set('n', get('u0'))}
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('n')} ${get('u1')}))
  ${set('in0', valueAddress(env, 'n', values.gradOutput))}
  ${set('out', valueAddress(env, 'n', output))}
  ${copies}
  ${forLoop(
    labels,
    'c',
    i32(0),
    i32(g.inChannels),
    forLoop(
      labels,
      'y',
      i32(0),
      i32(g.inHeight),
      forLoop(labels, 'v', i32(0), i32(L.xBlocks * L.blockWidth), block, L.blockWidth),
    ),
    L.mc,
  )}
  ${set('n', addConst(get('n'), 1))}
  (br $units)))`;
  return {
    locals: {
      ...LOCALS,
      ...Object.fromEntries(Array.from({ length: L.vb }, (_, v) => [`z${v}`, 'v128'])),
    },
    body,
    samplesPerUnit: 1,
    unitsPerGroup: 1,
    scratchBytes: L.bytes + 64,
    macs: g.outChannels * g.inHeight * g.inWidth * depth,
  };
}
