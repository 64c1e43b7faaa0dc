// The gradients of a large ungrouped convolution as GEMMs through the forward's register tile
// (../gemm.ts, `tile`).
//
// The weight gradient `dW[o, k] = Σ_n Σ_p dY[n, o, p] · col_n[k, p]`, k = (c, ky, kx), p the
// output positions. The positions are the GEMM's depth: per sample and per depth block of
// positions, a unit packs its rows of dY as A panels `[p][MR]` and the im2col of X, transposed, as
// B panels `[p][NR]` (eight taps k per panel, zero where a tap reads padding) into the thread's
// scratch, then runs its tiles, which reload dW's partial sums after the first block of the first
// sample. Units are blocks of dW (output channels × taps); every unit runs the samples and the
// positions in order, so the result is bit-identical for any thread count.
//
// The input gradient `dCol = Wᵀ · dY`, then col2im: see {@link convInputGradGemm}. All index
// arithmetic is i32.
import type { KernelCall } from '../../target.js';
import {
  blockLocals,
  depthBlock,
  depthBlocks,
  geometryOf,
  MR,
  NR,
  tile,
  type ConvGeometry,
} from '../gemm.js';
import { perSample, valueAddress, type GeneratedKernel } from '../kernel.js';
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
  min,
  mulConst,
  set,
  store,
  sub,
} from '../wat.js';
import {
  ALL_SAMPLES,
  batchLoop,
  unitLoop,
  type BackwardEnv,
  type BackwardValues,
} from './common.js';

/**
 * `minMacs`: multiply-accumulates per sample from which both gradients run as GEMMs (below, the
 * kernels of ./conv.ts); `overVector`: the GEMMs also where ./conv-vector.ts applies (faster
 * there: see ./conv.ts); `columnFloats`: floats of the column-gradient chunk the input gradient
 * keeps in scratch (taps × positions). Tests change them to reach small layers.
 */
export const gemmBackwardOptions = {
  minMacs: 4_000_000,
  overVector: false,
  columnFloats: 1 << 17,
};

/** Row blocks (of MR output channels) and tap panels (of NR) per unit, at most. */
const ROW_BLOCKS = 16;
const TAP_PANELS = 8;
/** Units the weight gradient splits into where it can (the 7×7 stem of ResNet-18: 7, not 3). */
const MIN_UNITS = 8;

/** Whether the weight gradient of this convolution runs as a GEMM. */
export function weightGradGemmApplies(call: KernelCall): boolean {
  const g = geometryOf(call);
  if (g.groups !== 1 || g.padMode !== 'zeros') return false;
  const depth = g.inChannels * g.filterHeight * g.filterWidth;
  return g.outChannels * depth * g.outHeight * g.outWidth >= gemmBackwardOptions.minMacs;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Locals of the taps of one B panel: byte offset in X, row and column offset of each lane. */
const TAP_LOCALS = Array.from({ length: NR }, (_, j) => [`to${j}`, `ty${j}`, `tx${j}`]).flat();

/**
 * The walk over output positions `p = p0, p0 + 1, …` without a division per position: `$ox` is
 * p's output column, `$iy`/`$ix` the input row and column its tap (row `ty`, column `tx`: i32
 * expressions) reads. `start` sets them for `$p0`, `next` steps to the next position.
 */
function positionWalk(g: ConvGeometry, ty: string, tx: string) {
  const start = `${set('ox', `(i32.rem_u ${get('p0')} ${i32(g.outWidth)})`)}
${set('iy', add(addConst(mulConst(`(i32.div_u ${get('p0')} ${i32(g.outWidth)})`, g.strideHeight), -g.padTop), ty))}
${set('ix', add(addConst(mulConst(get('ox'), g.strideWidth), -g.padLeft), tx))}`;
  const next = `${set('ox', addConst(get('ox'), 1))}
${set('ix', addConst(get('ix'), g.strideWidth))}
${set('wrap', `(i32.eq ${get('ox')} ${i32(g.outWidth)})`)}
${set('ox', `(select ${i32(0)} ${get('ox')} ${get('wrap')})`)}
${set('ix', `(select ${addConst(tx, -g.padLeft)} ${get('ix')} ${get('wrap')})`)}
${set('iy', add(get('iy'), `(select ${i32(g.strideHeight)} ${i32(0)} ${get('wrap')})`))}`;
  return { start, next };
}

/**
 * Packs B panels `[pb0, pb1)` for the positions `[koff, koff + kdepth)` of the sample whose input
 * is at `$x` into `$sb` (`kc·NR` floats per panel): `B[p][j] = X[c, iy, ix]` for tap
 * `k = panel·NR + j`, zero outside the input and for k past the depth.
 */
function packTaps(g: ConvGeometry, labels: Labels, kc: number): string {
  const khw = g.filterHeight * g.filterWidth;
  const depth = g.inChannels * khw;
  const laneSetup = Array.from({ length: NR }, (_, j) => {
    const k = addConst(mulConst(get('kp'), NR), j);
    return `${set('k', k)}
${ifThen(
  `(i32.lt_s ${get('k')} ${i32(depth)})`,
  `${set('c', `(i32.div_u ${get('k')} ${i32(khw)})`)}
${set('r', `(i32.rem_u ${get('k')} ${i32(khw)})`)}
${set(`ty${j}`, mulConst(`(i32.div_u ${get('r')} ${i32(g.filterWidth)})`, g.dilationHeight))}
${set(`tx${j}`, mulConst(`(i32.rem_u ${get('r')} ${i32(g.filterWidth)})`, g.dilationWidth))}
${set(`to${j}`, mulConst(add(mulConst(get('c'), g.inHeight * g.inWidth), add(mulConst(get(`ty${j}`), g.inWidth), get(`tx${j}`))), 4))}`,
  // A tap past the depth reads nothing: its row offset is past every input row.
  `${set(`ty${j}`, i32(1 << 24))}
${set(`tx${j}`, i32(0))}
${set(`to${j}`, i32(0))}`,
)}`;
  }).join('\n');
  const lanes = Array.from(
    { length: NR },
    (
      _,
      j,
    ) => `${set('ok', `(i32.and (i32.lt_u ${add(get('iy'), get(`ty${j}`))} ${i32(g.inHeight)}) (i32.lt_u ${add(get('ix'), get(`tx${j}`))} ${i32(g.inWidth)}))`)}
${store('f32', get('dst'), `(select ${load('f32', `(select ${add(get('base'), get(`to${j}`))} ${get('x')} ${get('ok')})`)} ${f32(0)} ${get('ok')})`, j * 4)}`,
  ).join('\n');
  // Positions whose every tap reads inside the input (most of them) copy without checks.
  const rowLimit = g.inHeight - (g.filterHeight - 1) * g.dilationHeight;
  const colLimit = g.inWidth - (g.filterWidth - 1) * g.dilationWidth;
  const fastLanes = Array.from({ length: NR }, (_, j) =>
    store('f32', get('dst'), load('f32', add(get('base'), get(`to${j}`))), j * 4),
  ).join('\n');
  const perPosition =
    rowLimit > 0 && colLimit > 0
      ? ifThen(
          `(i32.and ${get('full')} (i32.and (i32.lt_u ${get('iy')} ${i32(rowLimit)}) (i32.lt_u ${get('ix')} ${i32(colLimit)})))`,
          fastLanes,
          lanes,
        )
      : lanes;
  const walk = positionWalk(g, i32(0), i32(0));
  return forLoop(
    labels,
    'kp',
    get('pb0'),
    get('pb1'),
    `${laneSetup}
${set('full', `(i32.le_s ${addConst(mulConst(get('kp'), NR), NR)} ${i32(depth)})`)}
${set('dst', add(get('sb'), mulConst(sub(get('kp'), get('pb0')), kc * NR * 4)))}
${set('p0', get('koff'))}
${walk.start}
${forLoop(
  labels,
  'p',
  get('koff'),
  add(get('koff'), get('kdepth')),
  `${set('base', add(get('x'), mulConst(add(mulConst(get('iy'), g.inWidth), get('ix')), 4)))}
${perPosition}
${set('dst', addConst(get('dst'), NR * 4))}
${walk.next}`,
)}`,
  );
}

/**
 * Packs the rows of dY (at `$dy`) of row blocks `[mb0, mb1)`, positions `[koff, koff + kdepth)`,
 * into `$sa` as `[block][p][MR]` (`kc·MR` floats per block), zero past the output channels.
 */
function packRows(g: ConvGeometry, labels: Labels, kc: number): string {
  const positions = g.outHeight * g.outWidth;
  return forLoop(
    labels,
    'mb',
    get('mb0'),
    get('mb1'),
    Array.from(
      { length: MR },
      (
        _,
        r,
      ) => `${set('dst', addConst(add(get('sa'), mulConst(sub(get('mb'), get('mb0')), kc * MR * 4)), r * 4))}
${set('o', addConst(mulConst(get('mb'), MR), r))}
${ifThen(
  `(i32.lt_s ${get('o')} ${i32(g.outChannels)})`,
  `${set('src', add(add(get('dy'), mulConst(get('o'), positions * 4)), mulConst(get('koff'), 4)))}
${forLoop(
  labels,
  'p',
  i32(0),
  get('kdepth'),
  `${store('f32', get('dst'), load('f32', get('src')))}
${set('src', addConst(get('src'), 4))}
${set('dst', addConst(get('dst'), MR * 4))}`,
)}`,
  forLoop(
    labels,
    'p',
    i32(0),
    get('kdepth'),
    `${store('f32', get('dst'), f32(0))}
${set('dst', addConst(get('dst'), MR * 4))}`,
  ),
)}`,
    ).join('\n'),
  );
}

/**
 * `dW = Σ_n dY_n · col_nᵀ` (and `db[o] = Σ_n Σ_p dY[n, o, p]`) as one phase whose units are blocks
 * of dW: up to {@link ROW_BLOCKS} row blocks × {@link TAP_PANELS} tap panels.
 */
export function convWeightGradGemm(
  call: KernelCall,
  values: BackwardValues,
  env: BackwardEnv,
): GeneratedKernel {
  const g = geometryOf(call);
  const labels = new Labels();
  const depth = g.inChannels * g.filterHeight * g.filterWidth;
  const positions = g.outHeight * g.outWidth;
  const [weightName, biasName] = call.params;
  const gradW = env.gradient(weightName as string, g.outChannels * depth);
  const gradB = biasName ? env.gradient(biasName, g.outChannels) : null;
  const rowBlocks = ceilDiv(g.outChannels, MR);
  const tapPanels = ceilDiv(depth, NR);
  const rowChunk = Math.min(rowBlocks, ROW_BLOCKS);
  const rowChunks = ceilDiv(rowBlocks, rowChunk);
  // At least MIN_UNITS units where the taps allow, so that threads share the work evenly.
  const wanted = Math.max(ceilDiv(tapPanels, TAP_PANELS), ceilDiv(MIN_UNITS, rowChunks));
  const panelChunk = ceilDiv(tapPanels, Math.min(tapPanels, wanted));
  const panelChunks = ceilDiv(tapPanels, panelChunk);
  const kc = depthBlock(positions);
  const aBytes = rowChunk * kc * MR * 4;
  const tileCode = tile(
    {
      depth: positions,
      a: add(get('sa'), mulConst(sub(get('mb'), get('mb0')), kc * MR * 4)),
      b: add(get('sb'), mulConst(sub(get('kp'), get('pb0')), kc * NR * 4)),
      c: add(i32(gradW), add(mulConst(get('mb'), MR * depth * 4), mulConst(get('kp'), NR * 4))),
      rowStride: depth * 4,
      rows: min(i32(MR), sub(i32(g.outChannels), mulConst(get('mb'), MR))),
      cols: min(i32(NR), sub(i32(depth), mulConst(get('kp'), NR))),
      bias: { kind: 'none' },
      steps: [],
    },
    env,
  );
  const perBlock = `${set('kfirst', `(i32.and ${get('kfirst')} (i32.eqz ${get('n')}))`)}
${packRows(g, labels, kc)}
${packTaps(g, labels, kc)}
${forLoop(labels, 'kp', get('pb0'), get('pb1'), forLoop(labels, 'mb', get('mb0'), get('mb1'), tileCode))}`;
  // The bias gradient: the units of the first tap chunk, one output channel at a time, samples
  // in order.
  const biasCode = gradB
    ? ifThen(
        `(i32.eqz ${get('pc')})`,
        forLoop(
          labels,
          'o',
          mulConst(get('mb0'), MR),
          min(mulConst(get('mb1'), MR), i32(g.outChannels)),
          `(local.set $bsum ${f32(0)})
${batchLoop(
  labels,
  `${set('src', add(valueAddress(env, 'n', values.gradOutput), mulConst(get('o'), positions * 4)))}
(local.set $lsum ${f32(0)})
${forLoop(labels, 'p', i32(0), i32(positions), `(local.set $lsum (f32.add (local.get $lsum) ${load('f32', get('src'))}))\n${set('src', addConst(get('src'), 4))}`)}
(local.set $bsum (f32.add (local.get $bsum) (local.get $lsum)))`,
)}
${store('f32', addConst(mulConst(get('o'), 4), gradB), '(local.get $bsum)')}`,
        ),
      )
    : '';
  const body = unitLoop(
    labels,
    `${set('pc', `(i32.rem_u ${get('u')} ${i32(panelChunks)})`)}
${set('mb0', mulConst(`(i32.div_u ${get('u')} ${i32(panelChunks)})`, rowChunk))}
${set('mb1', min(addConst(get('mb0'), rowChunk), i32(rowBlocks)))}
${set('pb0', mulConst(get('pc'), panelChunk))}
${set('pb1', min(addConst(get('pb0'), panelChunk), i32(tapPanels)))}
${set('sa', get('scr'))}
${set('sb', addConst(get('scr'), aBytes))}
${batchLoop(
  labels,
  `${set('dy', valueAddress(env, 'n', values.gradOutput))}
${set('x', valueAddress(env, 'n', values.inputs[0]))}
${depthBlocks(positions, labels, perBlock)}`,
)}
${biasCode}`,
  );
  const names = [
    ...['u', 'n', 'pc', 'mb0', 'mb1', 'pb0', 'pb1', 'mb', 'kp', 'sa', 'sb', 'dy', 'x', 'dst'],
    ...['src', 'o', 'p', 'k', 'c', 'r', 'iy', 'ix', 'base', 'ok', 'p0', 'ox', 'wrap', 'full'],
    ...TAP_LOCALS,
  ];
  return {
    locals: {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      ...blockLocals(),
      bsum: 'f32',
      lsum: 'f32',
    },
    body,
    samplesPerUnit: ALL_SAMPLES,
    unitsPerGroup: rowChunks * panelChunks,
    scratchBytes: aBytes + panelChunk * kc * NR * 4,
    macs: g.outChannels * positions * depth,
  };
}

/** Whether the input gradient of this convolution runs as a GEMM and col2im. */
export function inputGradGemmApplies(call: KernelCall): boolean {
  return weightGradGemmApplies(call);
}

/**
 * The input gradient as `dCol = Wᵀ · dY` and col2im, in two phases: Wᵀ packed as A panels
 * `[K/MR][O][MR]` (per step, so it follows the optimizer's updates), then one unit per sample:
 * per chunk of positions, dY's columns packed as B panels `[panel][O][NR]`, the GEMM into the
 * column gradient `[K][chunk]` in scratch, and its scatter-add into dX, tap by tap and position by
 * position in a fixed order.
 */
export function convInputGradGemm(
  call: KernelCall,
  values: BackwardValues,
  env: BackwardEnv,
): GeneratedKernel[] {
  const g = geometryOf(call);
  const khw = g.filterHeight * g.filterWidth;
  const depth = g.inChannels * khw;
  const channels = g.outChannels;
  const positions = g.outHeight * g.outWidth;
  const rowBlocks = ceilDiv(depth, MR);
  const weight = env.weight(call.params[0] as string, {
    kind: 'plain',
    length: channels * depth,
  });
  const transposed = env.region(rowBlocks * MR * channels);

  // Phase 1: Wᵀ, one unit per row block of taps.
  const packLabels = new Labels();
  const packBody = unitLoop(
    packLabels,
    `${set('dst', addConst(mulConst(get('u'), channels * MR * 4), transposed))}
${forLoop(
  packLabels,
  'o',
  i32(0),
  i32(channels),
  Array.from(
    { length: MR },
    (_, r) => `${set('k', addConst(mulConst(get('u'), MR), r))}
${store(
  'f32',
  get('dst'),
  `(select ${load('f32', `(select ${addConst(mulConst(add(mulConst(get('o'), depth), get('k')), 4), weight)} ${i32(weight)} (i32.lt_s ${get('k')} ${i32(depth)}))`)} ${f32(0)} (i32.lt_s ${get('k')} ${i32(depth)}))`,
  r * 4,
)}`,
  ).join('\n') + `\n${set('dst', addConst(get('dst'), MR * 4))}`,
)}`,
  );
  const pack: GeneratedKernel = {
    locals: { u: 'i32', o: 'i32', k: 'i32', dst: 'i32' },
    body: packBody,
    samplesPerUnit: ALL_SAMPLES,
    unitsPerGroup: rowBlocks,
    scratchBytes: 0,
    macs: channels * depth,
  };

  // Phase 2: per sample, chunks of positions.
  const labels = new Labels();
  const panels = ceilDiv(positions, NR);
  const chunkPanels = Math.max(
    1,
    Math.min(panels, Math.floor(gemmBackwardOptions.columnFloats / (depth * NR))),
  );
  const chunkWidth = chunkPanels * NR;
  const chunks = ceilDiv(panels, chunkPanels);
  const columnBytes = depth * chunkWidth * 4;
  const bBytes = chunkPanels * channels * NR * 4;
  const fullPanel = Array.from({ length: 2 }, (_, half) =>
    store('v128', get('dst'), load('v128', get('src'), half * 16), half * 16),
  ).join('\n');
  const partialPanel = Array.from(
    { length: NR },
    (_, j) =>
      `${store('f32', get('dst'), `(select ${load('f32', `(select ${addConst(get('src'), j * 4)} ${get('src')} (i32.lt_s ${addConst(get('p'), j)} ${i32(positions)}))`)} ${f32(0)} (i32.lt_s ${addConst(get('p'), j)} ${i32(positions)}))`, j * 4)}`,
  ).join('\n');
  // B panels of this chunk: panel q holds positions p0 + q·NR …, for every output channel.
  const packB = forLoop(
    labels,
    'panel',
    i32(0),
    get('np'),
    `${set('p', add(get('p0'), mulConst(get('panel'), NR)))}
${set('dst', add(get('sb'), mulConst(get('panel'), channels * NR * 4)))}
${set('src', add(get('dy'), mulConst(get('p'), 4)))}
${forLoop(
  labels,
  'o',
  i32(0),
  i32(channels),
  `${ifThen(`(i32.le_s ${addConst(get('p'), NR)} ${i32(positions)})`, fullPanel, partialPanel)}
${set('src', addConst(get('src'), positions * 4))}
${set('dst', addConst(get('dst'), NR * 4))}`,
)}`,
  );
  const tileCode = tile(
    {
      depth: channels,
      a: add(
        addConst(mulConst(get('mb'), channels * MR * 4), transposed),
        mulConst(get('koff'), MR * 4),
      ),
      b: add(
        add(get('sb'), mulConst(get('panel'), channels * NR * 4)),
        mulConst(get('koff'), NR * 4),
      ),
      c: add(
        get('scr'),
        add(mulConst(get('mb'), MR * chunkWidth * 4), mulConst(get('panel'), NR * 4)),
      ),
      rowStride: chunkWidth * 4,
      rows: min(i32(MR), sub(i32(depth), mulConst(get('mb'), MR))),
      cols: min(i32(NR), sub(i32(positions), add(get('p0'), mulConst(get('panel'), NR)))),
      bias: { kind: 'none' },
      steps: [],
    },
    env,
  );
  const gemm = depthBlocks(
    channels,
    labels,
    forLoop(
      labels,
      'panel',
      i32(0),
      get('np'),
      forLoop(labels, 'mb', i32(0), i32(rowBlocks), tileCode),
    ),
  );
  // col2im: dX[c, iy, ix] += dCol[k, p] for every tap k = (c, ky, kx) and position p of the chunk
  // that reads inside the input; the others add 0 to the spare float after the column gradient.
  const spare = addConst(get('scr'), columnBytes + bBytes);
  const walk = positionWalk(g, get('ty'), get('tx'));
  const scalarAdd = `${set('ok', `(i32.and (i32.lt_u ${get('iy')} ${i32(g.inHeight)}) (i32.lt_u ${get('ix')} ${i32(g.inWidth)}))`)}
${set('dst', `(select ${add(get('plane'), mulConst(add(mulConst(get('iy'), g.inWidth), get('ix')), 4))} ${spare} ${get('ok')})`)}
${store('f32', get('dst'), `(f32.add ${load('f32', get('dst'))} (select ${load('f32', get('src'))} ${f32(0)} ${get('ok')}))`)}
${set('src', addConst(get('src'), 4))}
${walk.next}`;
  // At stride 1, four positions of one output row that read inside one input row add as a vector
  // (each element of dX still receives its terms in the same order: the result is the same).
  const vectorAdd = `${set('dst', add(get('plane'), mulConst(add(mulConst(get('iy'), g.inWidth), get('ix')), 4)))}
${store('v128', get('dst'), `(f32x4.add ${load('v128', get('dst'))} ${load('v128', get('src'))})`)}
${set('src', addConst(get('src'), 16))}
${set('p', addConst(get('p'), 3))}
${set('ox', addConst(get('ox'), 3))}
${set('ix', addConst(get('ix'), 3))}
${walk.next}`;
  const vectorizable = g.strideWidth === 1 && g.inWidth >= 4;
  const positions4 = forLoop(
    labels,
    'p',
    get('p0'),
    get('p1'),
    vectorizable
      ? ifThen(
          `(i32.and (i32.and (i32.le_s ${addConst(get('p'), 4)} ${get('p1')}) (i32.le_s ${addConst(get('ox'), 4)} ${i32(g.outWidth)})) (i32.and (i32.lt_u ${get('iy')} ${i32(g.inHeight)}) (i32.lt_u ${get('ix')} ${i32(g.inWidth - 3)})))`,
          vectorAdd,
          scalarAdd,
        )
      : scalarAdd,
  );
  const col2im = forLoop(
    labels,
    'k',
    i32(0),
    i32(depth),
    `${set('c', `(i32.div_u ${get('k')} ${i32(khw)})`)}
${set('r', `(i32.rem_u ${get('k')} ${i32(khw)})`)}
${set('ty', mulConst(`(i32.div_u ${get('r')} ${i32(g.filterWidth)})`, g.dilationHeight))}
${set('tx', mulConst(`(i32.rem_u ${get('r')} ${i32(g.filterWidth)})`, g.dilationWidth))}
${set('plane', add(get('out'), mulConst(get('c'), g.inHeight * g.inWidth * 4)))}
${set('src', add(get('scr'), mulConst(get('k'), chunkWidth * 4)))}
${walk.start}
${positions4}`,
  );
  const inputFloats = g.inChannels * g.inHeight * g.inWidth;
  const body = `${forLoop(labels, 'p', i32(0), i32(Math.floor(inputFloats / 4)), store('v128', add(get('out'), mulConst(get('p'), 16)), '(v128.const i32x4 0 0 0 0)'))}
${Array.from({ length: inputFloats % 4 }, (_, idx) => store('f32', get('out'), f32(0), (inputFloats - (inputFloats % 4) + idx) * 4)).join('\n')}
${set('sb', addConst(get('scr'), columnBytes))}
${set('dy', get('in0'))}
${forLoop(
  labels,
  'chunk',
  i32(0),
  i32(chunks),
  `${set('p0', mulConst(get('chunk'), chunkWidth))}
${set('p1', min(addConst(get('p0'), chunkWidth), i32(positions)))}
${set('np', min(i32(chunkPanels), sub(i32(panels), mulConst(get('chunk'), chunkPanels))))}
${packB}
${gemm}
${col2im}`,
)}`;
  const names = [
    ...['sb', 'dy', 'chunk', 'p0', 'p1', 'np', 'panel', 'p', 'dst', 'src', 'o', 'mb', 'k'],
    ...['c', 'r', 'ty', 'tx', 'plane', 'iy', 'ix', 'ok', 'ox', 'wrap'],
  ];
  const gemmPhase = perSample(
    env,
    { inputs: [values.gradOutput], output: values.gradInputs[0] as number },
    body,
    { ...Object.fromEntries(names.map((name) => [name, 'i32'])), ...blockLocals() },
    channels * positions * depth,
  );
  return [pack, { ...gemmPhase, scratchBytes: columnBytes + bBytes + 16 }];
}
