// The GEMM core of the wasm target and the layers built on it: 2-D (and 1-D) convolutions as
// im2col + GEMM, linear layers as GEMM with the batch as rows.
//
// C[M, N] = A[M, K] · B[K, N] (+ bias, then activation), f32x4 register-blocked: a tile of MR×NR
// accumulators (MR rows, NR = 8 columns as two f32x4) runs over the whole depth K. A is packed as
// row panels `[k][MR]` (one `v128.load32_splat` per row and k), B as column panels `[k][NR]` (two
// `v128.load` per k), so the inner loop reads both operands contiguously. Zero padding in the packed
// panels keeps one code path for edge tiles; only the stores of an edge tile are masked.
import { activationSteps, scalarActivation, vectorActivation, vectorizable } from './activation.js';
import type { ActivationStep } from './activation.js';
import { num, valueAddress, type KernelGenerator } from './kernel.js';
import {
  add,
  addConst,
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
} from './wat.js';

/** Rows of a register tile. */
export const MR = 4;
/** Columns of a register tile (two f32x4). */
export const NR = 8;
/** Depth steps per trip of the inner loop. */
const UNROLL = 4;
/** Target bytes of the im2col panels one work unit packs (they stay in L2 while A streams). */
const CHUNK_BYTES = 192 * 1024;

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

/** Locals a tile uses. */
export function tileLocals(): Record<string, string> {
  const accs = Object.fromEntries(
    Array.from({ length: MR * 2 }, (_, idx) => [`acc${idx}`, 'v128']),
  );
  return {
    ...accs,
    vb0: 'v128',
    vb1: 'v128',
    vw: 'v128',
    pa: 'i32',
    pb: 'i32',
    kk: 'i32',
    tc: 'i32',
    trows: 'i32',
    tcols: 'i32',
    sv: 'f32',
  };
}

/** One depth step at constant offsets from `$pa`/`$pb`. */
function depthStep(step: number): string {
  const lines = [
    `(local.set $vb0 ${load('v128', get('pb'), step * NR * 4)})`,
    `(local.set $vb1 ${load('v128', get('pb'), step * NR * 4 + 16)})`,
  ];
  for (let row = 0; row < MR; row++) {
    const offset = (step * MR + row) * 4;
    lines.push(
      `(local.set $vw ${offset === 0 ? `(v128.load32_splat ${get('pa')})` : `(v128.load32_splat offset=${offset} ${get('pa')})`})`,
    );
    for (const half of [0, 1])
      lines.push(
        `(local.set $acc${row * 2 + half} (f32x4.add (local.get $acc${row * 2 + half}) (f32x4.mul (local.get $vw) (local.get $vb${half}))))`,
      );
  }
  return lines.join('\n');
}

/** A full MR×NR tile: accumulate over the depth, then bias, activation and (masked) stores. */
export function tile(spec: TileSpec, labels: Labels): string {
  const zero = Array.from(
    { length: MR * 2 },
    (_, idx) => `(local.set $acc${idx} (v128.const i32x4 0 0 0 0))`,
  );
  const trips = Math.floor(spec.depth / UNROLL);
  const rest = spec.depth % UNROLL;
  const unrolled = Array.from({ length: UNROLL }, (_, step) => depthStep(step)).join('\n');
  const loopLabel = labels.fresh('k');
  const mainLoop =
    trips === 0
      ? ''
      : `(local.set $kk ${i32(trips)})
(loop ${loopLabel}
  ${unrolled}
  (local.set $pa ${addConst(get('pa'), UNROLL * MR * 4)})
  (local.set $pb ${addConst(get('pb'), UNROLL * NR * 4)})
  (local.set $kk (i32.sub ${get('kk')} ${i32(1)}))
  (br_if ${loopLabel} ${get('kk')}))`;
  const tail = Array.from({ length: rest }, (_, step) => depthStep(step)).join('\n');
  return `${zero.join('\n')}
${set('pa', spec.a)}
${set('pb', spec.b)}
${mainLoop}
${tail}
${set('tc', spec.c)}
${set('trows', spec.rows)}
${set('tcols', spec.cols)}
${epilogue(spec)}`;
}

function epilogue(spec: TileSpec): string {
  const full = vectorizable(spec.steps)
    ? ifThen(
        `(i32.and (i32.eq ${get('trows')} ${i32(MR)}) (i32.eq ${get('tcols')} ${i32(NR)}))`,
        fullStore(spec),
        maskedStore(spec),
      )
    : maskedStore(spec);
  return full;
}

function fullStore(spec: TileSpec): string {
  const lines: string[] = [];
  for (let row = 0; row < MR; row++)
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
  return lines.join('\n');
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

/** The padding modes of a convolution's input. */
type PadMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Maps a (possibly outside) coordinate in local `$name` into `[0, size)` for `mode`, or leaves it. */
function wrapCoordinate(name: string, size: number, mode: PadMode): string {
  const v = get(name);
  switch (mode) {
    case 'reflect':
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, sub(i32(0), v)))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, sub(i32(2 * size - 2), v)))}`;
    case 'replicate':
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, i32(0)))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, i32(size - 1)))}`;
    case 'circular':
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, add(v, i32(size))))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, sub(v, i32(size))))}`;
    case 'zeros':
      return '';
  }
}

/** The geometry of a 2-D convolution (a 1-D one has unit heights). */
interface ConvGeometry {
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
  padLeft: number;
  groups: number;
  padMode: PadMode;
}

function geometryOf(call: Parameters<KernelGenerator>[0]): ConvGeometry {
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
      padLeft: axis.padLo,
      groups: num(call, 'groups'),
      padMode: d.padMode as PadMode,
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
    padLeft: field('padLeft'),
    groups: field('groups'),
    padMode: d.padMode as PadMode,
  };
}

/**
 * im2col of panels `[$pb0, $pb1)` of one group into `$scr` as column panels `[panel][k][NR]`:
 * k runs over (channel, filter row, filter column), columns over output positions. Eight output
 * positions in one output row at stride 1 copy as two f32x4 when the whole input span is inside.
 */
function im2col(g: ConvGeometry, labels: Labels): string {
  const channels = g.inChannels / g.groups;
  const positions = g.outHeight * g.outWidth;
  const depth = channels * g.filterHeight * g.filterWidth;
  const pointwise =
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0;
  const plane = g.inHeight * g.inWidth;
  const fastCondition = pointwise
    ? `(i32.le_s ${addConst(get('p0'), NR)} ${i32(positions)})`
    : g.strideWidth === 1
      ? `(i32.and (i32.le_s ${addConst(get('p0'), NR)} ${i32(positions)}) (i32.le_s ${addConst(get('ow0'), NR)} ${i32(g.outWidth)}))`
      : i32(0);
  const vectorCopy = (source: string) =>
    `${set('src', source)}
(v128.store ${get('dst')} ${load('v128', get('src'))})
(v128.store offset=16 ${get('dst')} ${load('v128', get('src'), 16)})`;
  // The scalar path: each of the eight columns on its own, with the padding mode.
  const zeroOutside =
    g.padMode === 'zeros'
      ? `(i32.or (i32.or (i32.lt_s ${get('ih')} ${i32(0)}) (i32.ge_s ${get('ih')} ${i32(g.inHeight)}))
                 (i32.or (i32.lt_s ${get('iw')} ${i32(0)}) (i32.ge_s ${get('iw')} ${i32(g.inWidth)})))`
      : i32(0);
  const scalarColumn = `${set('p', add(get('p0'), get('col')))}
${ifThen(
  `(i32.ge_s ${get('p')} ${i32(positions)})`,
  `(f32.store ${add(get('dst'), mulConst(get('col'), 4))} (f32.const 0))`,
  `${set('ih', add(mulConst(`(i32.div_u ${get('p')} ${i32(g.outWidth)})`, g.strideHeight), get('ihk')))}
${set('iw', add(mulConst(`(i32.rem_u ${get('p')} ${i32(g.outWidth)})`, g.strideWidth), get('iwk')))}
${ifThen(
  zeroOutside,
  `(f32.store ${add(get('dst'), mulConst(get('col'), 4))} (f32.const 0))`,
  `${wrapCoordinate('ih', g.inHeight, g.padMode)}
${wrapCoordinate('iw', g.inWidth, g.padMode)}
(f32.store ${add(get('dst'), mulConst(get('col'), 4))}
  (f32.load ${add(get('plane'), mulConst(add(mulConst(get('ih'), g.inWidth), get('iw')), 4))}))`,
)}`,
)}`;
  const scalar = forLoop(labels, 'col', i32(0), i32(NR), scalarColumn);
  const fastSource = pointwise
    ? add(get('plane'), mulConst(get('p0'), 4))
    : add(get('plane'), mulConst(add(mulConst(get('ih0'), g.inWidth), get('iw0')), 4));
  const fastInside = pointwise
    ? get('fast')
    : `(i32.and ${get('fast')} (i32.and
        (i32.and (i32.ge_s ${get('ih0')} ${i32(0)}) (i32.lt_s ${get('ih0')} ${i32(g.inHeight)}))
        (i32.and (i32.ge_s ${get('iw0')} ${i32(0)}) (i32.le_s ${addConst(get('iw0'), NR)} ${i32(g.inWidth)}))))`;
  const perK = `${set('ihk', sub(mulConst(get('kh'), g.dilationHeight), i32(g.padTop)))}
${set('iwk', sub(mulConst(get('kw'), g.dilationWidth), i32(g.padLeft)))}
${set('ih0', add(mulConst(get('oh0'), g.strideHeight), get('ihk')))}
${set('iw0', add(mulConst(get('ow0'), g.strideWidth), get('iwk')))}
${ifThen(fastInside, vectorCopy(fastSource), scalar)}
${set('dst', addConst(get('dst'), NR * 4))}`;
  const overK = forLoop(
    labels,
    'ci',
    i32(0),
    i32(channels),
    `${set('plane', add(get('gin'), mulConst(get('ci'), plane * 4)))}
${forLoop(labels, 'kh', i32(0), i32(g.filterHeight), forLoop(labels, 'kw', i32(0), i32(g.filterWidth), perK))}`,
  );
  return forLoop(
    labels,
    'panel',
    get('pb0'),
    get('pb1'),
    `${set('dst', add(get('scr'), mulConst(sub(get('panel'), get('pb0')), depth * NR * 4)))}
${set('p0', mulConst(get('panel'), NR))}
${set('oh0', `(i32.div_u ${get('p0')} ${i32(g.outWidth)})`)}
${set('ow0', `(i32.rem_u ${get('p0')} ${i32(g.outWidth)})`)}
${set('fast', fastCondition)}
${overK}`,
  );
}

/** 1-D and 2-D convolutions (any groups, dilation, padding mode) as im2col + GEMM. */
export const convGemm: KernelGenerator = (call, values, env) => {
  const g = geometryOf(call);
  const labels = new Labels();
  const groupIn = g.inChannels / g.groups;
  const groupOut = g.outChannels / g.groups;
  const depth = groupIn * g.filterHeight * g.filterWidth;
  const positions = g.outHeight * g.outWidth;
  const panels = ceilDiv(positions, NR);
  const chunk = Math.max(1, Math.min(panels, Math.floor(CHUNK_BYTES / (depth * NR * 4))));
  const chunks = ceilDiv(panels, chunk);
  const rowBlocks = ceilDiv(groupOut, MR);
  const [weightName, biasName] = call.params;
  if (!weightName) throw new Error('internal error: convolution without weight');
  const weights = env.weight(weightName, {
    kind: 'rowPanels',
    groups: g.groups,
    rows: groupOut,
    depth,
    mr: MR,
  });
  const bias = biasName
    ? env.weight(biasName, { kind: 'plain', length: g.outChannels + MR })
    : undefined;
  const steps = activationSteps(call.descriptor);
  const inAddress = valueAddress(env, 'n', values.inputs[0]);
  const outAddress = valueAddress(env, 'n', values.output);
  const tileCode = tile(
    {
      depth,
      a: get('wa'),
      b: add(get('scr'), mulConst(sub(get('panel'), get('pb0')), depth * NR * 4)),
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
    labels,
  );
  const gemm = forLoop(
    labels,
    'mb',
    i32(0),
    i32(rowBlocks),
    `${set('row0', mulConst(get('mb'), MR))}
${set('wa', add(i32(weights), mulConst(add(mulConst(get('g'), rowBlocks), get('mb')), depth * MR * 4)))}
${bias === undefined ? '' : set('brow', add(i32(bias), mulConst(add(mulConst(get('g'), groupOut), get('row0')), 4)))}
${forLoop(labels, 'panel', get('pb0'), get('pb1'), tileCode)}`,
  );
  const perGroup = `${set('gin', add(get('in0'), mulConst(get('g'), groupIn * g.inHeight * g.inWidth * 4)))}
${set('gout', add(get('out'), mulConst(get('g'), groupOut * positions * 4)))}
${im2col(g, labels)}
${gemm}`;
  const body = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(chunks)})`)}
  ${set('pb0', mulConst(`(i32.rem_u ${get('u')} ${i32(chunks)})`, chunk))}
  ${set('pb1', min(addConst(get('pb0'), chunk), i32(panels)))}
  ${set('in0', inAddress)}
  ${set('out', outAddress)}
  ${forLoop(labels, 'g', i32(0), i32(g.groups), perGroup)}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const names = [
    'u',
    'n',
    'pb0',
    'pb1',
    'in0',
    'out',
    'g',
    'gin',
    'gout',
    'mb',
    'row0',
    'wa',
    'brow',
    'panel',
    'p0',
    'oh0',
    'ow0',
    'fast',
    'ci',
    'kh',
    'kw',
    'ihk',
    'iwk',
    'ih0',
    'iw0',
    'ih',
    'iw',
    'p',
    'col',
    'dst',
    'src',
    'plane',
  ];
  return {
    locals: { ...Object.fromEntries(names.map((name) => [name, 'i32'])), ...tileLocals() },
    body,
    samplesPerUnit: 1,
    unitsPerGroup: chunks,
    scratchBytes: chunk * depth * NR * 4,
    macs: g.outChannels * positions * depth,
  };
};

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
      a: get('scr'),
      b: addConst(mulConst(get('panel'), inFeatures * NR * 4), weights),
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
    labels,
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
  ${forLoop(labels, 'panel', get('pb0'), get('pb1'), tileCode)}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const names = ['u', 'n0', 'nr', 'rows', 'pb0', 'pb1', 'src', 'dst', 'k', 'out', 'panel'];
  return {
    locals: { ...Object.fromEntries(names.map((name) => [name, 'i32'])), ...tileLocals() },
    body,
    samplesPerUnit: MR,
    unitsPerGroup: chunks,
    scratchBytes: inFeatures * MR * 4,
    macs: inFeatures * outFeatures,
  };
};
