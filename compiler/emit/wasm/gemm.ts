// The GEMM core of the wasm target and the layers built on it: 2-D (and 1-D) convolutions as
// im2col + GEMM, linear layers as GEMM with the batch as rows.
//
// C[M, N] = A[M, K] · B[K, N] (+ bias, then activation), f32x4 register-blocked: a tile of MR×NR
// accumulators (MR rows, NR = 8 columns as two f32x4) runs over the whole depth K. A is packed as
// row panels `[k][MR]` (one `v128.load` per k, its rows splat by shuffles), B as column panels `[k][NR]` (two
// `v128.load` per k), so the inner loop reads both operands contiguously. Zero padding in the packed
// panels keeps one code path for edge tiles; only the stores of an edge tile are masked.
import { activationSteps, scalarActivation, vectorActivation, vectorizable } from './activation.js';
import type { ActivationStep } from './activation.js';
import {
  num,
  valueAddress,
  type GeneratedKernel,
  type KernelEnv,
  type KernelGenerator,
} from './kernel.js';
import { padKernel } from './simple.js';
import { winogradApplies, winogradConv, winogradStagingBytes } from './winograd.js';
import type { KernelCall } from '../target.js';
import {
  add,
  addConst,
  forLoop,
  get,
  i32,
  ifThen,
  Labels,
  load,
  locals,
  min,
  mul,
  mulConst,
  set,
  store,
  sub,
} from './wat.js';

/** Rows of a register tile (one f32x4 of A per depth step: see {@link depthStep}). */
export const MR = 4;
/** Columns of a register tile (two f32x4). */
export const NR = 8;
/** Depth steps per trip of the inner loop. */
const UNROLL = 4;

/** How the tile's epilogue finds its bias. */
type BiasMode =
  { kind: 'none' } | { kind: 'row'; address: string } | { kind: 'col'; address: string };

interface TileSpec {
  depth: number;
  /** i32 expressions: packed A panel, packed B panel, C tile origin, C row stride in bytes. */
  a: string;
  b: string;
  c: string;
  rowStride: number;
  /** Valid rows and columns of the tile (i32 expressions, at most MR and NR). */
  rows: string;
  cols: string;
  bias: BiasMode;
  steps: ActivationStep[];
}

/** Locals of a tile function. */
export function tileLocals(): Record<string, string> {
  const accs = Object.fromEntries(
    Array.from({ length: MR * 2 }, (_, idx) => [`acc${idx}`, 'v128']),
  );
  return { ...accs, vb0: 'v128', vb1: 'v128', va: 'v128', vw: 'v128', kk: 'i32', sv: 'f32' };
}

/** `i8x16.shuffle` lanes that splat float `lane` of a vector. */
const splatLanes = (lane: number) =>
  Array.from({ length: 16 }, (_, byte) => lane * 4 + (byte % 4)).join(' ');

/**
 * One depth step at constant offsets from `$pa`/`$pb`: the MR floats of A at this k are one vector
 * load, each splat by a shuffle. (One `v128.load32_splat` per row instead ran the micro-kernel at
 * 29–31 GFLOP/s on these machines against 36–38 with the shuffles: V8's broadcast load competes with
 * the multiplies and adds for the FP pipes; measured in isolation, L1-resident panels, one thread.)
 */
function depthStep(step: number): string {
  const lines = [
    `(local.set $vb0 ${load('v128', get('pb'), step * NR * 4)})`,
    `(local.set $vb1 ${load('v128', get('pb'), step * NR * 4 + 16)})`,
    `(local.set $va ${load('v128', get('pa'), step * MR * 4)})`,
  ];
  for (let row = 0; row < MR; row++) {
    lines.push(
      `(local.set $vw (i8x16.shuffle ${splatLanes(row)} (local.get $va) (local.get $va)))`,
    );
    for (const half of [0, 1])
      lines.push(
        `(local.set $acc${row * 2 + half} (f32x4.add (local.get $acc${row * 2 + half}) (f32x4.mul (local.get $vw) (local.get $vb${half}))))`,
      );
  }
  return lines.join('\n');
}

/**
 * One MR×NR tile over one block of the depth. The caller sets `$ktrips` (unrolled trips of this
 * block), `$kfirst` and `$klast`: the first block starts from zero, the others reload the partial
 * sums from C; the last one also runs the depth's remainder (K mod UNROLL), then adds the bias,
 * applies the activation and stores; the others store the raw partial sums.
 */
export function tile(spec: TileSpec, env: KernelEnv): string {
  const inner: TileSpec = {
    ...spec,
    bias: spec.bias.kind === 'none' ? spec.bias : { kind: spec.bias.kind, address: get('tbias') },
  };
  const name = env.helper(
    'tile',
    (fn) => `(func ${fn} (param $pa i32) (param $pb i32) (param $tc i32) (param $trows i32)
  (param $tcols i32) (param $ktrips i32) (param $kfirst i32) (param $klast i32) (param $tbias i32)
  ${locals(tileLocals())}
  ${tileBody(inner, new Labels())})`,
  );
  const bias = spec.bias.kind === 'none' ? i32(0) : spec.bias.address;
  return `(call ${name} ${spec.a} ${spec.b} ${spec.c} ${spec.rows} ${spec.cols} ${get('ktrips')} ${get('kfirst')} ${get('klast')} ${bias})`;
}

/** The body of a tile function: its parameters are the operands, its locals {@link tileLocals}. */
function tileBody(spec: TileSpec, labels: Labels): string {
  const zero = Array.from(
    { length: MR * 2 },
    (_, idx) => `(local.set $acc${idx} (v128.const i32x4 0 0 0 0))`,
  );
  // Rows past the valid ones are never stored, so they are never reloaded either.
  const reload = Array.from({ length: MR }, (_, row) =>
    ifThen(
      `(i32.gt_s ${get('trows')} ${i32(row)})`,
      [0, 1]
        .map(
          (half) =>
            `(local.set $acc${row * 2 + half} ${load('v128', get('tc'), row * spec.rowStride + half * 16)})`,
        )
        .join('\n'),
      [0, 1]
        .map((half) => `(local.set $acc${row * 2 + half} (v128.const i32x4 0 0 0 0))`)
        .join('\n'),
    ),
  );
  const rest = spec.depth % UNROLL;
  const unrolled = Array.from({ length: UNROLL }, (_, step) => depthStep(step)).join('\n');
  const loopLabel = labels.fresh('k');
  const mainLoop = ifThen(
    get('ktrips'),
    `(local.set $kk ${get('ktrips')})
(loop ${loopLabel}
  ${unrolled}
  (local.set $pa ${addConst(get('pa'), UNROLL * MR * 4)})
  (local.set $pb ${addConst(get('pb'), UNROLL * NR * 4)})
  (local.set $kk (i32.sub ${get('kk')} ${i32(1)}))
  (br_if ${loopLabel} ${get('kk')}))`,
  );
  const tail = Array.from({ length: rest }, (_, step) => depthStep(step)).join('\n');
  const raw: TileSpec = { ...spec, bias: { kind: 'none' }, steps: [] };
  return `${ifThen(get('kfirst'), zero.join('\n'), reload.join('\n'))}
${mainLoop}
${ifThen(get('klast'), `${tail}\n${epilogue(spec)}`, epilogue(raw))}`;
}

/** Locals of the depth blocking around {@link tile}. */
export function blockLocals(): Record<string, string> {
  return { kb: 'i32', ktrips: 'i32', kfirst: 'i32', klast: 'i32', koff: 'i32', kdepth: 'i32' };
}

/** Depth per block: the A and B slices of one tile stay in L1 (KC·(MR+NR)·4 = 6 KiB). */
export const KC = 128;

/**
 * The depth block of a GEMM of depth `depth`: about {@link KC}, as equal blocks (a multiple of
 * the unroll): 147 is one block, not 128 + 19, and 576 five of 116, so no block is a short one
 * that reloads and stores the whole C tile for a few steps.
 */
export function depthBlock(depth: number): number {
  const blocks = Math.max(1, Math.round(depth / KC));
  return Math.ceil(depth / blocks / UNROLL) * UNROLL;
}

/**
 * `for kb over depth blocks: body`, setting `$koff` (first k of the block), `$ktrips`, `$kfirst`
 * and `$klast` for {@link tile}; blocks are {@link depthBlock} deep (A packings use the same).
 */
export function depthBlocks(depth: number, labels: Labels, body: string): string {
  const kc = depthBlock(depth);
  const blocks = Math.max(1, Math.ceil(depth / kc));
  const full = Math.floor(depth / UNROLL) * UNROLL;
  return forLoop(
    labels,
    'kb',
    i32(0),
    i32(blocks),
    `${set('koff', mulConst(get('kb'), kc))}
${set('kfirst', `(i32.eqz ${get('kb')})`)}
${set('klast', `(i32.eq ${get('kb')} ${i32(blocks - 1)})`)}
${set('ktrips', `(i32.shr_u ${min(i32(kc), sub(i32(full), get('koff')))} ${i32(Math.log2(UNROLL))})`)}
${set('kdepth', min(i32(kc), sub(i32(depth), get('koff'))))}
${body}`,
  );
}

function epilogue(spec: TileSpec): string {
  // Whole columns: vector stores, of the valid rows only when the tile has fewer (a layer of 6
  // output channels has a last row block of 2); else float by float.
  return vectorizable(spec.steps)
    ? ifThen(
        `(i32.eq ${get('tcols')} ${i32(NR)})`,
        ifThen(`(i32.eq ${get('trows')} ${i32(MR)})`, fullStore(spec), fullStore(spec, true)),
        maskedStore(spec),
      )
    : maskedStore(spec);
}

function fullStore(spec: TileSpec, guarded = false): string {
  const rows: string[] = [];
  for (let row = 0; row < MR; row++) {
    const lines: string[] = [];
    for (const half of [0, 1]) {
      const acc = `acc${row * 2 + half}`;
      if (spec.bias.kind === 'row')
        lines.push(
          `(local.set $${acc} (f32x4.add (local.get $${acc}) (v128.load32_splat offset=${row * 4} ${spec.bias.address})))`,
        );
      else if (spec.bias.kind === 'col')
        lines.push(
          `(local.set $${acc} (f32x4.add (local.get $${acc}) ${load('v128', spec.bias.address, half * 16)}))`,
        );
      lines.push(vectorActivation(spec.steps, acc));
      lines.push(store('v128', get('tc'), `(local.get $${acc})`, row * spec.rowStride + half * 16));
    }
    rows.push(
      guarded && row > 0
        ? ifThen(`(i32.gt_s ${get('trows')} ${i32(row)})`, lines.join('\n'))
        : lines.join('\n'),
    );
  }
  return rows.join('\n');
}

function maskedStore(spec: TileSpec): string {
  const rows: string[] = [];
  for (let row = 0; row < MR; row++) {
    const lanes: string[] = [];
    for (let col = 0; col < NR; col++) {
      const acc = `acc${row * 2 + (col >> 2)}`;
      const bias =
        spec.bias.kind === 'row'
          ? `(local.set $sv (f32.add (local.get $sv) ${load('f32', spec.bias.address, row * 4)}))`
          : spec.bias.kind === 'col'
            ? `(local.set $sv (f32.add (local.get $sv) ${load('f32', spec.bias.address, col * 4)}))`
            : '';
      lanes.push(
        ifThen(
          `(i32.gt_s ${get('tcols')} ${i32(col)})`,
          `(local.set $sv (f32x4.extract_lane ${col & 3} (local.get $${acc})))
${bias}
${scalarActivation(spec.steps, 'sv')}
${store('f32', get('tc'), '(local.get $sv)', row * spec.rowStride + col * 4)}`,
        ),
      );
    }
    rows.push(ifThen(`(i32.gt_s ${get('trows')} ${i32(row)})`, lanes.join('\n')));
  }
  return rows.join('\n');
}

/** `ceil(a / b)`. */
const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** The geometry of a 2-D convolution (a 1-D one has unit heights). */
export interface ConvGeometry {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  groups: number;
  padMode: string;
}

export function geometryOf(call: KernelCall): ConvGeometry {
  const d = call.descriptor;
  if (call.factory === 'conv1d') {
    const axis = d.length as Record<string, number>;
    return {
      inChannels: num(call, 'inChannels'),
      inHeight: 1,
      inWidth: axis.inSize,
      outChannels: num(call, 'outChannels'),
      outHeight: 1,
      outWidth: axis.outSize,
      filterHeight: 1,
      filterWidth: axis.filter,
      strideHeight: 1,
      strideWidth: axis.stride,
      dilationHeight: 1,
      dilationWidth: axis.dilation,
      padTop: 0,
      padBottom: 0,
      padLeft: axis.padLo,
      padRight: axis.padHi,
      groups: num(call, 'groups'),
      padMode: String(d.padMode),
    };
  }
  const field = (key: string) => num(call, key);
  return {
    inChannels: field('inChannels'),
    inHeight: field('inHeight'),
    inWidth: field('inWidth'),
    outChannels: field('outChannels'),
    outHeight: field('outHeight'),
    outWidth: field('outWidth'),
    filterHeight: field('filterHeight'),
    filterWidth: field('filterWidth'),
    strideHeight: field('strideHeight'),
    strideWidth: field('strideWidth'),
    dilationHeight: field('dilationHeight'),
    dilationWidth: field('dilationWidth'),
    padTop: field('padTop'),
    padBottom: field('padBottom'),
    padLeft: field('padLeft'),
    padRight: field('padRight'),
    groups: field('groups'),
    padMode: String(d.padMode),
  };
}

function padded(g: ConvGeometry): boolean {
  return g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
}

/**
 * Bytes of a convolution's per-sample staging region of the arena: the padded copy of its input
 * (0 when it needs none, with 64 bytes of slack for vector reads past a row) and, unless they go
 * to the thread's scratch (`columnsInScratch`), the im2col panels.
 */
export function stagingBytes(call: KernelCall, columnsInScratch = false): number {
  if (winogradApplies(call)) return winogradStagingBytes(call);
  const g = geometryOf(call);
  return paddedBytes(g) + (columnsInScratch || smallConv(g) ? 0 : columnBytes(g));
}

/**
 * A convolution of fewer MACs per sample than this is one phase with its im2col panels in the
 * thread's scratch ({@link fusedConvPhase}) in every module: at batch 1 it is a few microseconds of
 * work that the two-phase form's (sample, row block) units would split over threads for nothing.
 */
const SMALL_CONV_MACS = 1_000_000;

/** Whether `g` is below {@link SMALL_CONV_MACS}. */
function smallConv(g: ConvGeometry): boolean {
  const depth = (g.inChannels / g.groups) * g.filterHeight * g.filterWidth;
  return g.outChannels * g.outHeight * g.outWidth * depth < SMALL_CONV_MACS;
}

function paddedBytes(g: ConvGeometry): number {
  if (!padded(g)) return 0;
  const height = g.inHeight + g.padTop + g.padBottom;
  const width = g.inWidth + g.padLeft + g.padRight;
  return Math.ceil((g.inChannels * height * width * 4 + 64) / 64) * 64;
}

/** Bytes of the im2col panels of all groups: `[group][panel][k][NR]`. */
function columnBytes(g: ConvGeometry): number {
  const panels = Math.ceil((g.outHeight * g.outWidth) / NR);
  return panels * g.inChannels * g.filterHeight * g.filterWidth * NR * 4;
}

/** Picks lanes 0 and 2 of two f32x4: the even floats of eight consecutive ones. */
const EVEN_LANES = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';

/**
 * im2col of panels `[$pb0, $pb1)` of one group (input at `$gin`, already padded) into `$scr` as
 * column panels `[panel][k][NR]`: k runs over (channel, filter row, filter column), the eight
 * columns of a panel over output positions. A panel inside one output row copies with vector
 * loads (stride 1: two `v128.load`; stride 2: four and two shuffles); a panel across rows, or the
 * last one, copies per column from offsets computed once per panel. No bounds checks: padding
 * was materialised before.
 */
function im2col(g: ConvGeometry, labels: Labels): string {
  const channels = g.inChannels / g.groups;
  const positions = g.outHeight * g.outWidth;
  const depth = channels * g.filterHeight * g.filterWidth;
  const width = g.inWidth;
  const planeBytes = g.inHeight * width * 4;
  const panels = Math.ceil(positions / NR);
  const rowStep = g.dilationHeight * width * 4;
  const lastValid = positions - (panels - 1) * NR;
  const copyRow = (kw: number): string => {
    const from = kw * g.dilationWidth * 4;
    const to = kw * NR * 4;
    const src = get('src');
    if (g.strideWidth === 1)
      return `${store('v128', get('dst'), load('v128', src, from), to)}
${store('v128', get('dst'), load('v128', src, from + 16), to + 16)}`;
    if (g.strideWidth === 2)
      return `${store('v128', get('dst'), `(i8x16.shuffle ${EVEN_LANES} ${load('v128', src, from)} ${load('v128', src, from + 16)})`, to)}
${store('v128', get('dst'), `(i8x16.shuffle ${EVEN_LANES} ${load('v128', src, from + 32)} ${load('v128', src, from + 48)})`, to + 16)}`;
    return Array.from({ length: NR }, (_, col) =>
      store('f32', get('dst'), load('f32', src, from + col * g.strideWidth * 4), to + col * 4),
    ).join('\n');
  };
  const copyColumns = (kw: number): string => {
    const from = kw * g.dilationWidth * 4;
    const to = kw * NR * 4;
    return Array.from({ length: NR }, (_, col) =>
      store(
        'f32',
        get('dst'),
        `(select ${load('f32', add(get('src'), get(`off${col}`)), from)} (f32.const 0) ${get(`ok${col}`)})`,
        to + col * 4,
      ),
    ).join('\n');
  };
  const overK = (copy: (kw: number) => string) =>
    forLoop(
      labels,
      'ci',
      i32(0),
      i32(channels),
      `${set('src', add(add(get('gin'), mulConst(get('ci'), planeBytes)), get('rowoff')))}
${forLoop(
  labels,
  'kh',
  i32(0),
  i32(g.filterHeight),
  `${Array.from({ length: g.filterWidth }, (_, kw) => copy(kw)).join('\n')}
${set('src', addConst(get('src'), rowStep))}
${set('dst', addConst(get('dst'), g.filterWidth * NR * 4))}`,
)}`,
    );
  const columnOffsets = Array.from(
    { length: NR },
    (_, col) => `${set('p', addConst(get('p0'), col))}
${set(`ok${col}`, `(i32.lt_s ${get('p')} ${i32(positions)})`)}
${set(
  `off${col}`,
  `(select ${mulConst(
    add(
      mulConst(`(i32.div_u ${get('p')} ${i32(g.outWidth)})`, g.strideHeight * width),
      mulConst(`(i32.rem_u ${get('p')} ${i32(g.outWidth)})`, g.strideWidth),
    ),
    4,
  )} ${i32(0)} ${get(`ok${col}`)})`,
)}`,
  ).join('\n');
  const inRow = `(i32.le_s ${addConst(get('ow0'), NR)} ${i32(g.outWidth)})`;
  const fast =
    lastValid === NR ? inRow : `(i32.and ${inRow} (i32.ne ${get('panel')} ${i32(panels - 1)}))`;
  return forLoop(
    labels,
    'panel',
    get('pb0'),
    get('pb1'),
    `${set('dst', add(get('gcol'), mulConst(get('panel'), depth * NR * 4)))}
${set('p0', mulConst(get('panel'), NR))}
${set('ow0', `(i32.rem_u ${get('p0')} ${i32(g.outWidth)})`)}
${ifThen(
  fast,
  `${set('rowoff', mulConst(add(mulConst(`(i32.div_u ${get('p0')} ${i32(g.outWidth)})`, g.strideHeight * width), mulConst(get('ow0'), g.strideWidth)), 4))}
${overK(copyRow)}`,
  `${columnOffsets}
${set('rowoff', i32(0))}
${overK(copyColumns)}`,
)}`,
  );
}

/** The padded copy of a convolution's input, as a `pad` kernel call into the staging region. */
export function padCall(g: ConvGeometry): KernelCall {
  return {
    factory: 'pad',
    descriptor: {
      channels: g.inChannels,
      inHeight: g.inHeight,
      inWidth: g.inWidth,
      padTop: g.padTop,
      padBottom: g.padBottom,
      padLeft: g.padLeft,
      padRight: g.padRight,
      mode: g.padMode,
    },
    params: [],
  };
}

/** Panels one im2col unit packs. */
const IM2COL_PANELS = 64;
/** Panels one GEMM unit covers (its B slices, PANEL_CHUNK · KC · NR · 4 = 512 KiB, stay in L2). */
const PANEL_CHUNK = 64;
/** A GEMM splits into at least this many units per sample, so that threads have work at batch 1. */
const MIN_UNITS = 8;

/**
 * 1-D and 2-D convolutions (any groups, dilation, padding mode) as im2col + GEMM, in phases over
 * the per-sample staging region: pad the input (when padded), im2col every panel, then the GEMM,
 * whose units are (sample, row-block range, panel range), each over depth blocks of KC.
 */
export const convGemm: KernelGenerator = (call, values, env) => {
  if (winogradApplies(call)) return winogradConv(call, values, env);
  const original = geometryOf(call);
  const phases: GeneratedKernel[] = [];
  let g = original;
  let input = values.inputs[0];
  const columns = env.staging + paddedBytes(original);
  if (padded(original)) {
    const pad = padKernel(padCall(original), { inputs: [input], output: env.staging }, env);
    phases.push(...(Array.isArray(pad) ? pad : [pad]));
    input = env.staging;
    g = {
      ...original,
      inHeight: original.inHeight + original.padTop + original.padBottom,
      inWidth: original.inWidth + original.padLeft + original.padRight,
      padTop: 0,
      padBottom: 0,
      padLeft: 0,
      padRight: 0,
    };
  }
  // A pointwise convolution reads its input as one long row of positions.
  if (g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1)
    g = {
      ...g,
      inWidth: g.inHeight * g.inWidth,
      inHeight: 1,
      outWidth: g.outHeight * g.outWidth,
      outHeight: 1,
    };
  const groupIn = g.inChannels / g.groups;
  const groupOut = g.outChannels / g.groups;
  const depth = groupIn * g.filterHeight * g.filterWidth;
  const positions = g.outHeight * g.outWidth;
  const panels = ceilDiv(positions, NR);
  const groupColumns = panels * depth * NR * 4;

  const [weightName, biasName] = call.params;
  if (!weightName) throw new Error('internal error: convolution without weight');
  if (env.columnsInScratch || smallConv(original)) {
    phases.push(fusedConvPhase(call, g, input, values.output, weightName, biasName, env));
    return phases;
  }

  // Phase: im2col, units (sample, chunk of panels), every group.
  const im2colLabels = new Labels();
  const im2colChunks = ceilDiv(panels, IM2COL_PANELS);
  const im2colBody = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(im2colChunks)})`)}
  ${set('pb0', mulConst(`(i32.rem_u ${get('u')} ${i32(im2colChunks)})`, IM2COL_PANELS))}
  ${set('pb1', min(addConst(get('pb0'), IM2COL_PANELS), i32(panels)))}
  ${set('in0', valueAddress(env, 'n', input))}
  ${set('col', valueAddress(env, 'n', columns))}
  ${forLoop(
    im2colLabels,
    'g',
    i32(0),
    i32(g.groups),
    `${set('gin', add(get('in0'), mulConst(get('g'), groupIn * g.inHeight * g.inWidth * 4)))}
${set('gcol', add(get('col'), mulConst(get('g'), groupColumns)))}
${im2col(g, im2colLabels)}`,
  )}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const im2colNames = [
    ...['u', 'n', 'pb0', 'pb1', 'in0', 'col', 'g', 'gin', 'gcol'],
    ...['panel', 'p0', 'ow0', 'rowoff', 'ci', 'kh', 'p', 'dst', 'src'],
    ...Array.from({ length: NR }, (_, c) => [`off${c}`, `ok${c}`]).flat(),
  ];
  phases.push({
    locals: Object.fromEntries(im2colNames.map((name) => [name, 'i32'])),
    body: im2colBody,
    samplesPerUnit: 1,
    unitsPerGroup: im2colChunks,
    scratchBytes: 0,
    macs: g.groups * panels * depth * NR,
  });

  // Phase: GEMM, units (sample, row-block chunk, panel chunk).
  const weights = env.weight(weightName, {
    kind: 'rowPanels',
    groups: g.groups,
    rows: groupOut,
    depth,
    mr: MR,
    kc: depthBlock(depth),
  });
  const bias = biasName
    ? env.weight(biasName, { kind: 'plain', length: g.outChannels + MR })
    : undefined;
  phases.push(
    gemmPhase(
      {
        groups: g.groups,
        rows: groupOut,
        depth,
        positions,
        columns,
        output: values.output,
        weights,
        bias,
        steps: activationSteps(call.descriptor),
      },
      env,
    ),
  );
  return phases;
};

/**
 * One row block of a convolution's grouped GEMM, in the loops over depth blocks, panels and row
 * blocks of {@link gemmPhase} and {@link fusedConvPhase}: `C[row0.., panel] += A[g, mb] · B[panel]`
 * (bias and activation after the last depth block). Reads the locals `g`, `mb`, `koff`, `kdepth`,
 * `gcol`, `gout` and `panel`; sets `row0`, `wa` and `brow`.
 */
function rowBlock(
  spec: {
    depth: number;
    positions: number;
    groupOut: number;
    rowBlocks: number;
    /** Address of A packed as `rowPanels`. */
    weights: number;
    /** Address of the plain bias, or none. */
    bias: number | undefined;
    steps: ActivationStep[];
  },
  env: KernelEnv,
): string {
  const { depth, positions, groupOut, rowBlocks, weights, bias, steps } = spec;
  const tileCode = tile(
    {
      depth,
      a: get('wa'),
      b: add(
        add(get('gcol'), mulConst(get('panel'), depth * NR * 4)),
        mulConst(get('koff'), NR * 4),
      ),
      c: add(
        get('gout'),
        add(mulConst(get('row0'), positions * 4), mulConst(get('panel'), NR * 4)),
      ),
      rowStride: positions * 4,
      rows: min(i32(MR), sub(i32(groupOut), get('row0'))),
      cols: min(i32(NR), sub(i32(positions), mulConst(get('panel'), NR))),
      bias: bias === undefined ? { kind: 'none' } : { kind: 'row', address: get('brow') },
      steps,
    },
    env,
  );
  return `${set('row0', mulConst(get('mb'), MR))}
${set('wa', add(add(i32(weights), mulConst(get('g'), rowBlocks * depth * MR * 4)), add(mulConst(get('koff'), rowBlocks * MR * 4), mul(get('mb'), mulConst(get('kdepth'), MR * 4)))))}
${bias === undefined ? '' : set('brow', add(i32(bias), mulConst(add(mulConst(get('g'), groupOut), get('row0')), 4)))}
${tileCode}`;
}

/** A grouped GEMM over panels in the staging region (see {@link gemmPhase}). */
export interface GemmPhaseSpec {
  groups: number;
  /** Rows (output channels) per group. */
  rows: number;
  depth: number;
  /** Columns per group; C rows are `positions` floats apart. */
  positions: number;
  /** Arena offset of the B panels `[group][panel][k][NR]`. */
  columns: number;
  /** Arena offset of C `[group][rows][positions]`. */
  output: number;
  /** Address of A packed as `rowPanels` (groups, rows, depth, MR, KC). */
  weights: number;
  /** Address of the bias (plain, `groups·rows + MR` floats), or none. */
  bias: number | undefined;
  steps: ActivationStep[];
  /**
   * Bytes from one group's B panels (and C) to the next; by default they are contiguous. Winograd
   * F(4×4) spreads its 36 groups so that they do not all fall into the same L1 sets.
   */
  columnGroupBytes?: number;
  outputGroupBytes?: number;
}

/**
 * The GEMM phase of a convolution: per group, `C = A · B` (+ bias, activation). Units are
 * (sample, row-block chunk, panel chunk), each over depth blocks of KC.
 */
export function gemmPhase(spec: GemmPhaseSpec, env: KernelEnv): GeneratedKernel {
  const { groups, rows: groupOut, depth, positions, columns, weights, bias, steps } = spec;
  const labels = new Labels();
  const panels = ceilDiv(positions, NR);
  const groupColumns = spec.columnGroupBytes ?? panels * depth * NR * 4;
  const groupOutput = spec.outputGroupBytes ?? groupOut * positions * 4;
  const rowBlocks = ceilDiv(groupOut, MR);
  const panelChunk = Math.min(panels, PANEL_CHUNK);
  const panelChunks = ceilDiv(panels, panelChunk);
  const rowChunks = Math.min(rowBlocks, Math.max(1, ceilDiv(MIN_UNITS, panelChunks)));
  const rowChunk = ceilDiv(rowBlocks, rowChunks);
  const units = rowChunks * panelChunks;
  // Panel outer, row blocks inner: one B slice (KC·NR floats) stays in L1 while the unit's A
  // slices (rowChunk·KC·MR floats) stream from L1/L2.
  const perRowBlock = rowBlock(
    { depth, positions, groupOut, rowBlocks, weights, bias, steps },
    env,
  );
  const perGroup = `${set('gcol', add(get('col'), mulConst(get('g'), groupColumns)))}
${set('gout', add(get('out'), mulConst(get('g'), groupOutput)))}
${depthBlocks(depth, labels, forLoop(labels, 'panel', get('pb0'), get('pb1'), forLoop(labels, 'mb', get('mb0'), get('mb1'), perRowBlock)))}`;
  const body = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(units)})`)}
  ${set('part', `(i32.rem_u ${get('u')} ${i32(units)})`)}
  ${set('mb0', mulConst(`(i32.div_u ${get('part')} ${i32(panelChunks)})`, rowChunk))}
  ${set('mb1', min(addConst(get('mb0'), rowChunk), i32(rowBlocks)))}
  ${set('pb0', mulConst(`(i32.rem_u ${get('part')} ${i32(panelChunks)})`, panelChunk))}
  ${set('pb1', min(addConst(get('pb0'), panelChunk), i32(panels)))}
  ${set('col', valueAddress(env, 'n', columns))}
  ${set('out', valueAddress(env, 'n', spec.output))}
  ${forLoop(labels, 'g', i32(0), i32(groups), perGroup)}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const names = [
    ...['u', 'n', 'part', 'mb0', 'mb1', 'pb0', 'pb1', 'col', 'out', 'g', 'gcol', 'gout'],
    ...['mb', 'row0', 'wa', 'brow', 'panel'],
  ];
  return {
    locals: {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      ...blockLocals(),
    },
    body,
    samplesPerUnit: 1,
    unitsPerGroup: units,
    scratchBytes: 0,
    macs: groups * groupOut * positions * depth,
  };
}

/**
 * A convolution as one phase whose units are (sample, chunk of panels): each unit writes its
 * panels' im2col into the thread's scratch, then multiplies every row block with them. The
 * panels take `PANEL_CHUNK · depth · NR · 4` bytes per thread instead of `panels · depth · NR · 4`
 * per sample of the arena (the training module, `KernelEnv.columnsInScratch`: LeNet-5's second
 * convolution 62 kB of every sample's arena). `g` is the (padded) geometry, `input` its arena offset.
 */
function fusedConvPhase(
  call: KernelCall,
  g: ConvGeometry,
  input: number,
  output: number,
  weightName: string,
  biasName: string | null | undefined,
  env: KernelEnv,
): GeneratedKernel {
  const labels = new Labels();
  const groupIn = g.inChannels / g.groups;
  const groupOut = g.outChannels / g.groups;
  const depth = groupIn * g.filterHeight * g.filterWidth;
  const positions = g.outHeight * g.outWidth;
  const panels = ceilDiv(positions, NR);
  const panelChunk = Math.min(panels, PANEL_CHUNK);
  const panelChunks = ceilDiv(panels, panelChunk);
  const rowBlocks = ceilDiv(groupOut, MR);
  const weights = env.weight(weightName, {
    kind: 'rowPanels',
    groups: g.groups,
    rows: groupOut,
    depth,
    mr: MR,
    kc: depthBlock(depth),
  });
  const bias = biasName
    ? env.weight(biasName, { kind: 'plain', length: g.outChannels + MR })
    : undefined;
  const perRowBlock = rowBlock(
    {
      depth,
      positions,
      groupOut,
      rowBlocks,
      weights,
      bias,
      steps: activationSteps(call.descriptor),
    },
    env,
  );
  // Panel p of this unit is at scr + (p − pb0)·depth·NR·4 (i32 arithmetic wraps).
  const perGroup = `${set('gin', add(get('in0'), mulConst(get('g'), groupIn * g.inHeight * g.inWidth * 4)))}
${set('gcol', sub(get('scr'), mulConst(get('pb0'), depth * NR * 4)))}
${im2col(g, labels)}
${set('gout', add(get('out'), mulConst(get('g'), groupOut * positions * 4)))}
${depthBlocks(depth, labels, forLoop(labels, 'panel', get('pb0'), get('pb1'), forLoop(labels, 'mb', i32(0), i32(rowBlocks), perRowBlock)))}`;
  const body = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(panelChunks)})`)}
  ${set('pb0', mulConst(`(i32.rem_u ${get('u')} ${i32(panelChunks)})`, panelChunk))}
  ${set('pb1', min(addConst(get('pb0'), panelChunk), i32(panels)))}
  ${set('in0', valueAddress(env, 'n', input))}
  ${set('out', valueAddress(env, 'n', output))}
  ${forLoop(labels, 'g', i32(0), i32(g.groups), perGroup)}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const names = [
    ...['u', 'n', 'pb0', 'pb1', 'in0', 'out', 'g', 'gin', 'gcol', 'gout', 'mb', 'row0', 'wa'],
    ...['brow', 'panel', 'p0', 'ow0', 'rowoff', 'ci', 'kh', 'p', 'dst', 'src'],
    ...Array.from({ length: NR }, (_, c) => [`off${c}`, `ok${c}`]).flat(),
  ];
  return {
    locals: {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      ...blockLocals(),
    },
    body,
    samplesPerUnit: 1,
    unitsPerGroup: panelChunks,
    scratchBytes: panelChunk * depth * NR * 4,
    macs: g.groups * groupOut * positions * depth,
  };
}

/**
 * A linear layer as C[batch, out] = X[batch, in] · Wᵀ: rows are samples (MR per unit, packed
 * from the arenas into scratch), columns the output features in panels of the transposed weight.
 */
export const linearGemm: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const inFeatures = num(call, 'inFeatures');
  const outFeatures = num(call, 'outFeatures');
  const panels = ceilDiv(outFeatures, NR);
  const chunk = Math.max(1, Math.min(panels, 16));
  const chunks = ceilDiv(panels, chunk);
  const [weightName, biasName] = call.params;
  if (!weightName) throw new Error('internal error: linear without weight');
  const weights = env.weight(weightName, {
    kind: 'colPanels',
    cols: outFeatures,
    depth: inFeatures,
    nr: NR,
  });
  const bias = biasName ? env.weight(biasName, { kind: 'plain', length: panels * NR }) : undefined;
  const steps = activationSteps(call.descriptor);
  // Pack MR samples' inputs as [k][MR]; rows past the batch are zeros.
  const packRow = (row: number) =>
    ifThen(
      `(i32.gt_s ${get('rows')} ${i32(row)})`,
      `${set('src', valueAddress(env, 'nr', values.inputs[0]))}
${set('dst', addConst(get('scr'), row * 4))}
${forLoop(
  labels,
  'k',
  i32(0),
  i32(inFeatures),
  `(f32.store ${get('dst')} (f32.load ${get('src')}))
${set('src', addConst(get('src'), 4))}
${set('dst', addConst(get('dst'), MR * 4))}`,
)}`,
      `${set('dst', addConst(get('scr'), row * 4))}
${forLoop(
  labels,
  'k',
  i32(0),
  i32(inFeatures),
  `(f32.store ${get('dst')} (f32.const 0))
${set('dst', addConst(get('dst'), MR * 4))}`,
)}`,
    );
  const packs = Array.from(
    { length: MR },
    (_, row) => `${set('nr', addConst(get('n0'), row))}\n${packRow(row)}`,
  ).join('\n');
  const tileCode = tile(
    {
      depth: inFeatures,
      a: add(get('scr'), mulConst(get('koff'), MR * 4)),
      b: add(
        addConst(mulConst(get('panel'), inFeatures * NR * 4), weights),
        mulConst(get('koff'), NR * 4),
      ),
      c: add(get('out'), mulConst(get('panel'), NR * 4)),
      rowStride: env.arenaBytes,
      rows: get('rows'),
      cols: min(i32(NR), sub(i32(outFeatures), mulConst(get('panel'), NR))),
      bias:
        bias === undefined
          ? { kind: 'none' }
          : { kind: 'col', address: addConst(mulConst(get('panel'), NR * 4), bias) },
      steps,
    },
    env,
  );
  const body = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n0', mulConst(`(i32.div_u ${get('u')} ${i32(chunks)})`, MR))}
  ${set('rows', min(i32(MR), sub(get('batch'), get('n0'))))}
  ${set('pb0', mulConst(`(i32.rem_u ${get('u')} ${i32(chunks)})`, chunk))}
  ${set('pb1', min(addConst(get('pb0'), chunk), i32(panels)))}
  ${packs}
  ${set('out', valueAddress(env, 'n0', values.output))}
  ${depthBlocks(inFeatures, labels, forLoop(labels, 'panel', get('pb0'), get('pb1'), tileCode))}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const names = ['u', 'n0', 'nr', 'rows', 'pb0', 'pb1', 'src', 'dst', 'k', 'out', 'panel'];
  return {
    locals: {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      ...blockLocals(),
    },
    body,
    samplesPerUnit: MR,
    unitsPerGroup: chunks,
    scratchBytes: inFeatures * MR * 4,
    macs: inFeatures * outFeatures,
  };
};
