// `upsample` (PyTorch `nn.Upsample` with integer `scale_factor`) on the wasm target. Units are
// (sample, chunk of channels). Every index is integer arithmetic, including bilinear's source
// coordinates: `(o + ½)/s − ½` is `(2o + 1 − s) / 2s` (clamped at 0) and `o·(in − 1)/(out − 1)`
// with aligned corners, so the neighbour is the integer quotient and λ the remainder over the
// divisor (one rounding, to float32). Nearest copies: each input row widened (f32x4 for a scale
// of 2), then the output row repeated. Bilinear interpolates rows first, in f32x4 over the input
// width, then columns through a per-thread table of (w0, w1, λ).
import type { KernelCall } from '../target.js';
import { num, type CallValues, type GeneratedKernel, type KernelEnv } from './kernel.js';
import { perChannelChunk } from './simple.js';
import {
  add,
  addConst,
  f32,
  forLoop,
  get,
  i32,
  Labels,
  load,
  mulConst,
  set,
  store,
  sub,
} from './wat.js';

/** The constants of an `upsample` call. */
export interface UpsampleGeometry {
  channels: number;
  inH: number;
  inW: number;
  sh: number;
  sw: number;
  outH: number;
  outW: number;
  bilinear: boolean;
  aligned: boolean;
}

export function upsampleGeometry(call: KernelCall): UpsampleGeometry {
  const [channels, inH, inW, sh, sw] = [
    'channels',
    'inHeight',
    'inWidth',
    'scaleHeight',
    'scaleWidth',
  ].map((key) => num(call, key));
  const bilinear = call.descriptor.mode === 'bilinear';
  return {
    channels,
    inH,
    inW,
    sh,
    sw,
    outH: inH * sh,
    outW: inW * sw,
    bilinear,
    aligned: bilinear && call.descriptor.alignCorners === true,
  };
}

/**
 * Statements setting `$<p>0` and `$<p>1` (input indices) and `$<p>l` (λ, f32) for the output
 * index in local `o` along a dimension of `inSize` → `outSize` at scale `scale`, all in integers.
 */
export function sourceCoords(
  p: string,
  o: string,
  inSize: number,
  outSize: number,
  scale: number,
  aligned: boolean,
): string {
  // The source coordinate is num / den with integer num ≥ 0.
  const [numerator, den] = aligned
    ? [mulConst(get(o), inSize - 1), Math.max(1, outSize - 1)]
    : [sub(mulConst(get(o), 2), i32(scale - 1)), 2 * scale];
  const clamped = aligned
    ? numerator
    : `(select ${i32(0)} ${numerator} (i32.lt_s ${numerator} ${i32(0)}))`;
  return `${set(`${p}n`, clamped)}
${set(`${p}0`, `(i32.div_u ${get(`${p}n`)} ${i32(den)})`)}
${set(`${p}1`, `(select ${addConst(get(`${p}0`), 1)} ${get(`${p}0`)} (i32.lt_s ${get(`${p}0`)} ${i32(inSize - 1)}))`)}
(local.set $${p}l (f32.div (f32.convert_i32_u (i32.rem_u ${get(`${p}n`)} ${i32(den)})) ${f32(den)}))`;
}

/** Locals of {@link sourceCoords} with prefix `p`. */
export function coordLocals(p: string): Record<string, string> {
  return { [`${p}n`]: 'i32', [`${p}0`]: 'i32', [`${p}1`]: 'i32', [`${p}l`]: 'f32' };
}

/** Bytes of the column table: per output column, w0 and w1 as byte offsets and λ. */
export const tableBytes = (g: UpsampleGeometry) => 12 * g.outW;

/** Fills the column table at `$scr` (integer coordinates, computed once per unit). */
function columnTable(labels: Labels, g: UpsampleGeometry): string {
  return forLoop(
    labels,
    'ow',
    i32(0),
    i32(g.outW),
    `${sourceCoords('w', 'ow', g.inW, g.outW, g.sw, g.aligned)}
${set('t', add(get('scr'), mulConst(get('ow'), 12)))}
${store('i32', get('t'), mulConst(get('w0'), 4))}
${store('i32', get('t'), mulConst(get('w1'), 4), 4)}
${store('f32', get('t'), get('wl'), 8)}`,
  );
}

/** `count` floats from `$src` to `$dst` (both advanced), f32x4 then a scalar tail. */
export function copyRow(labels: Labels, count: number): string {
  const step = (type: string, bytes: number) =>
    `${store(type, get('dst'), load(type, get('src')))}
${set('dst', addConst(get('dst'), bytes))}
${set('src', addConst(get('src'), bytes))}`;
  const vectors = Math.floor(count / 4);
  return `${vectors > 0 ? forLoop(labels, 'i', i32(0), i32(vectors), step('v128', 16)) : ''}
${Array.from({ length: count % 4 }, () => step('f32', 4)).join('\n')}`;
}

/** Interleaves a v128 with itself: lanes 0 0 1 1 and 2 2 3 3. */
const DOUBLE_LOW = '0 1 2 3 0 1 2 3 4 5 6 7 4 5 6 7';
const DOUBLE_HIGH = '8 9 10 11 8 9 10 11 12 13 14 15 12 13 14 15';

function nearest(labels: Labels, g: UpsampleGeometry): string {
  // One input row widened into output row ih·sh, then that row copied sh − 1 times.
  const quads = g.sw === 2 ? Math.floor(g.inW / 4) : 0;
  const widenVector =
    quads === 0
      ? ''
      : forLoop(
          labels,
          'iw',
          i32(0),
          i32(quads),
          `(local.set $vv ${load('v128', get('src'))})
${store('v128', get('dst'), `(i8x16.shuffle ${DOUBLE_LOW} (local.get $vv) (local.get $vv))`)}
${store('v128', get('dst'), `(i8x16.shuffle ${DOUBLE_HIGH} (local.get $vv) (local.get $vv))`, 16)}
${set('src', addConst(get('src'), 16))}
${set('dst', addConst(get('dst'), 32))}`,
        );
  const splats = Math.floor(g.sw / 4);
  const widenScalar = forLoop(
    labels,
    'iw',
    i32(quads * 4),
    i32(g.inW),
    `(local.set $sv ${load('f32', get('src'))})
${splats > 0 ? '(local.set $vv (f32x4.splat (local.get $sv)))' : ''}
${Array.from({ length: splats }, (_, k) => store('v128', get('dst'), '(local.get $vv)', 16 * k)).join('\n')}
${Array.from({ length: g.sw % 4 }, (_, k) => store('f32', get('dst'), '(local.get $sv)', 16 * splats + 4 * k)).join('\n')}
${set('src', addConst(get('src'), 4))}
${set('dst', addConst(get('dst'), 4 * g.sw))}`,
  );
  // `$dst` is at the next output row: each copy reads the whole first row.
  const repeat =
    g.sh === 1
      ? ''
      : forLoop(
          labels,
          'k',
          i32(1),
          i32(g.sh),
          `${set('src', get('row'))}\n${copyRow(labels, g.outW)}`,
        );
  return forLoop(
    labels,
    'ih',
    i32(0),
    i32(g.inH),
    `${set('src', add(get('plane'), mulConst(get('ih'), 4 * g.inW)))}
${set('row', add(get('dplane'), mulConst(get('ih'), 4 * g.sh * g.outW)))}
${set('dst', get('row'))}
${widenVector}
${widenScalar}
${repeat}`,
  );
}

function bilinear(labels: Labels, g: UpsampleGeometry): string {
  const vectors = Math.floor(g.inW / 4);
  const mix = (a: string, b: string, lambda: string, type: 'f32' | 'f32x4') =>
    `(${type}.add (${type}.mul ${a} (${type}.sub ${type === 'f32' ? f32(1) : `(f32x4.splat ${f32(1)})`} ${lambda})) (${type}.mul ${b} ${lambda}))`;
  const vertical = (type: 'v128' | 'f32', step: number) =>
    store(
      type,
      get('tmp'),
      type === 'v128'
        ? mix(load('v128', get('r0')), load('v128', get('r1')), '(local.get $vl)', 'f32x4')
        : mix(load('f32', get('r0')), load('f32', get('r1')), '(local.get $hl)', 'f32'),
    ) +
    `\n${set('r0', addConst(get('r0'), step))}\n${set('r1', addConst(get('r1'), step))}\n${set('tmp', addConst(get('tmp'), step))}`;
  const perRow = `${sourceCoords('h', 'oh', g.inH, g.outH, g.sh, g.aligned)}
${set('r0', add(get('plane'), mulConst(get('h0'), 4 * g.inW)))}
${set('r1', add(get('plane'), mulConst(get('h1'), 4 * g.inW)))}
${set('tmp', addConst(get('scr'), tableBytes(g)))}
(local.set $vl (f32x4.splat (local.get $hl)))
${vectors > 0 ? forLoop(labels, 'i', i32(0), i32(vectors), vertical('v128', 16)) : ''}
${forLoop(labels, 'i', i32(vectors * 4), i32(g.inW), vertical('f32', 4))}
${set('tmp', addConst(get('scr'), tableBytes(g)))}
${forLoop(
  labels,
  'ow',
  i32(0),
  i32(g.outW),
  `${set('t', add(get('scr'), mulConst(get('ow'), 12)))}
(local.set $sv ${load('f32', get('t'), 8)})
${store(
  'f32',
  get('dst'),
  mix(
    load('f32', add(get('tmp'), load('i32', get('t')))),
    load('f32', add(get('tmp'), load('i32', get('t'), 4))),
    '(local.get $sv)',
    'f32',
  ),
)}
${set('dst', addConst(get('dst'), 4))}`,
)}`;
  return `${set('dst', get('dplane'))}
${forLoop(labels, 'oh', i32(0), i32(g.outH), perRow)}`;
}

const UPSAMPLE_LOCALS: Record<string, string> = {
  c: 'i32',
  ih: 'i32',
  iw: 'i32',
  oh: 'i32',
  ow: 'i32',
  i: 'i32',
  k: 'i32',
  t: 'i32',
  src: 'i32',
  dst: 'i32',
  row: 'i32',
  plane: 'i32',
  dplane: 'i32',
  r0: 'i32',
  r1: 'i32',
  tmp: 'i32',
  sv: 'f32',
  vv: 'v128',
  vl: 'v128',
  ...coordLocals('h'),
  ...coordLocals('w'),
};

/** Scratch bytes per thread of a bilinear kernel: the column table and one row. */
export const upsampleScratch = (g: UpsampleGeometry, rowFloats: number) =>
  g.bilinear ? tableBytes(g) + 4 * rowFloats : 0;

/**
 * A kernel over (sample, chunk of channels) running `perChannel` on each channel, with `$plane` at
 * the channel's plane of `io.inputs[0]` (`planes[0]` floats each) and `$dplane` at its plane of
 * `io.output` (`planes[1]` floats each), after the bilinear column table. The backward runs its
 * loops with the roles swapped: dY's planes in, dX's out.
 */
export function upsampleChannels(
  env: KernelEnv,
  io: CallValues,
  labels: Labels,
  g: UpsampleGeometry,
  perChannel: string,
  planes: [number, number],
): GeneratedKernel {
  const body = `${g.bilinear ? columnTable(labels, g) : ''}
${forLoop(
  labels,
  'c',
  get('c0'),
  get('c1'),
  `${set('plane', add(get('in0'), mulConst(get('c'), 4 * planes[0])))}
${set('dplane', add(get('out'), mulConst(get('c'), 4 * planes[1])))}
${perChannel}`,
)}`;
  return perChannelChunk(
    env,
    io,
    g.channels,
    body,
    UPSAMPLE_LOCALS,
    g.channels * g.outH * g.outW * (g.bilinear ? 4 : 1),
  );
}

/** `upsample`: nearest or bilinear, `align_corners` as PyTorch. */
export function upsampleKernel(
  call: KernelCall,
  values: CallValues,
  env: KernelEnv,
): GeneratedKernel {
  const labels = new Labels();
  const g = upsampleGeometry(call);
  const perChannel = g.bilinear ? bilinear(labels, g) : nearest(labels, g);
  const kernel = upsampleChannels(env, values, labels, g, perChannel, [
    g.inH * g.inW,
    g.outH * g.outW,
  ]);
  return { ...kernel, scratchBytes: upsampleScratch(g, g.inW) };
}
