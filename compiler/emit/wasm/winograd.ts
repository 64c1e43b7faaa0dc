// Winograd for 3×3 stride-1 convolutions, and the choice of a convolution's lowering
// (`convLowering`: im2col, F(2×2) here, or F(4×4) in ./winograd4.ts, by a cost model).
//
// Winograd F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
// each 2×2 output tile is
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// over the 4×4 input tile d, so the 36 multiplies of a tile become 16: the ⊙ summed over input
// channels is 16 GEMMs `M[ξ] = U[ξ] · V[ξ]` (ξ = one of the 4×4 transform positions) of
// [outChannels × inChannels] by [inChannels × tiles], run by the same register-tiled GEMM as
// im2col. `U = G g Gᵀ` is computed once per weight at pack time (runtime/wasm/pack.ts, in float64).
//
// Phases over the per-sample staging region, all f32x4 across four tiles of one tile row:
//   0. pad the input (zeros), extended so that every tile row holds a multiple of four tiles;
//   1. input transform: V[ξ][panel][c][NR] = Bᵀ d B, as the GEMM's column panels;
//   2. GEMM: M[ξ][k][tile] = Σ_c U[ξ][k][c] · V[ξ][c][tile];
//   3. output transform: Y = Aᵀ M A, + bias, activation, into the output (the partial tiles at an
//      odd edge and the padding tiles are masked).
import { vectorActivation, vectorizable, activationSteps } from './activation.js';
import { depthBlock, gemmPhase, geometryOf, MR, NR, padCall, type ConvGeometry } from './gemm.js';
import {
  valueAddress,
  type GeneratedKernel,
  type KernelEnv,
  type KernelGenerator,
} from './kernel.js';
import { padKernel } from './simple.js';
import { winograd4Conv, winograd4Geometry, winograd4StagingBytes } from './winograd4.js';
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
  min,
  mulConst,
  set,
  store,
} from './wat.js';

/** Transform positions of a 4×4 tile. */
const XI = 16;
/** Both channel counts at least this: below it the transforms cost more than the GEMM saves. */
const MIN_CHANNELS = 16;

/** Picks lanes 0, 2 (even) or 1, 3 (odd) of two f32x4: eight consecutive floats' even/odd ones. */
const EVEN = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';
const ODD = '4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31';
/** Interleaves two f32x4 a, b: (a0 b0 a1 b1) and (a2 b2 a3 b3). */
const ZIP_LOW = '0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23';
const ZIP_HIGH = '8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31';

/** Tile counts and the staging layout of a Winograd convolution. */
interface WinogradGeometry {
  g: ConvGeometry;
  tilesHigh: number;
  /** Tiles per tile row, rounded up to a multiple of four (the vector width). */
  tilesWide: number;
  /** Valid tiles per tile row. */
  validWide: number;
  /** Padded input: height and width. */
  height: number;
  width: number;
  /** GEMM columns: tiles rounded up to a panel. */
  columns: number;
  panels: number;
  paddedBytes: number;
  transformBytes: number;
  productBytes: number;
}

function winogradGeometry(g: ConvGeometry): WinogradGeometry {
  const tilesHigh = Math.ceil(g.outHeight / 2);
  const validWide = Math.ceil(g.outWidth / 2);
  const tilesWide = Math.ceil(validWide / 4) * 4;
  const height = 2 * tilesHigh + 2;
  const width = 2 * tilesWide + 2;
  const panels = Math.ceil((tilesHigh * tilesWide) / NR);
  const columns = panels * NR;
  const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
  return {
    g,
    tilesHigh,
    tilesWide,
    validWide,
    height,
    width,
    columns,
    panels,
    paddedBytes: align(g.inChannels * height * width * 4 + 64),
    transformBytes: XI * panels * g.inChannels * NR * 4,
    productBytes: XI * g.outChannels * columns * 4,
  };
}

/** How a convolution is lowered onto the GEMM. */
export type ConvLowering = 'im2col' | 'winograd2' | 'winograd4';

/** Whether `call` could run as Winograd at all: 3×3, stride 1, one group, zero padding, wide enough. */
function winogradEligible(call: KernelCall): boolean {
  if (call.factory !== 'conv2d' && call.factory !== 'conv2dIm2col') return false;
  const g = geometryOf(call);
  return (
    g.filterHeight === 3 &&
    g.filterWidth === 3 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    g.groups === 1 &&
    g.padMode === 'zeros' &&
    g.inChannels >= MIN_CHANNELS &&
    g.outChannels >= MIN_CHANNELS &&
    g.outHeight >= 2 &&
    g.outWidth >= 2 &&
    vectorizable(activationSteps(call.descriptor))
  );
}

let forcedLowering: ConvLowering | undefined;

/**
 * Makes every Winograd-eligible convolution built from now on use `lowering` (`undefined`: the
 * cost model again). For tests that need one lowering on shapes the cost model would lower
 * otherwise; the compiler itself never calls it.
 */
export function forceConvLowering(lowering: ConvLowering | undefined): void {
  forcedLowering = lowering;
}

/**
 * The lowering of a convolution: im2col unless Winograd applies at all (3×3, stride 1, …), else
 * the cheapest of im2col, F(2×2) and F(4×4) by {@link loweringCost}.
 */
export function convLowering(call: KernelCall): ConvLowering {
  if (!winogradEligible(call)) return 'im2col';
  if (forcedLowering !== undefined) return forcedLowering;
  const g = geometryOf(call);
  const order: ConvLowering[] = ['winograd4', 'winograd2', 'im2col'];
  return order.reduce((best, lowering) =>
    loweringCost(g, lowering) < loweringCost(g, best) ? lowering : best,
  );
}

/**
 * The cost model, in multiply-add equivalents per sample: the GEMM's multiply-adds as they run
 * (rows rounded up to the register tile's 4, columns to its panel of 8: padding tiles and panels
 * cost as much as real ones), plus {@link WEIGHT_COST} per weight float (at batch 1 a GEMM with
 * few columns streams its weights from L3 or memory: F(4×4)'s are 36/9 of the plain ones), plus
 * the transforms' elements at their measured cost.
 *
 * Measured basis (ResNet-18 at batch 1, one thread, per-phase minima of 25 forwards through
 * `profile`): the GEMM runs at 17–18 G multiply-adds/s whatever the lowering (0.056 ns each),
 * except F(4×4) on 7² × 512 channels (36 · 512² weights, 37.7 MB): 5.3 ms where its
 * multiply-adds alone predict 4.2, so about 2 per weight float ({@link WEIGHT_COST}). An element
 * costs about 9 multiply-adds in F(2×2)'s input transform (0.40 ms for 64 × 56²), 2 in its
 * output transform, 4–5 in F(4×4)'s two (0.12 and 0.10 ms for 64 × 56²) and 2 in im2col (load
 * average 4–6). Whole layers, F(2×2) → F(4×4) (load average 10–12): 64 × 56² 3.5–3.6 →
 * 2.0–2.4 ms, 128 × 28² 3.8–3.9 → 2.1–2.3, 256 × 14² 3.8–3.9 → 2.4, and 512 × 7² 4.2–4.4 → 5.5
 * (4 tiles in a panel of 8, 2.25× the weights): the model picks F(4×4) for the first three and
 * F(2×2) for the last; im2col is about twice as slow as F(2×2) on all four (7.3, 6.5, 7.1 and
 * 8.0 ms at load 10).
 */
export function loweringCost(g: ConvGeometry, lowering: ConvLowering): number {
  const rows = Math.ceil(g.outChannels / MR) * MR;
  const weights = (positions: number) => WEIGHT_COST * positions * rows * g.inChannels;
  if (lowering === 'im2col') {
    const columns = Math.ceil((g.outHeight * g.outWidth) / NR) * NR;
    const depth = 9 * g.inChannels;
    return rows * columns * depth + weights(9) + 2 * depth * columns;
  }
  const [positions, columns, input, output] =
    lowering === 'winograd2'
      ? [XI, winogradGeometry(g).columns, 9, 2]
      : [36, winograd4Geometry(g).columns, 4.5, 4];
  const gemm = positions * rows * columns * g.inChannels;
  const transforms = positions * columns * (input * g.inChannels + output * g.outChannels);
  return gemm + weights(positions) + transforms;
}

/** Multiply-add equivalents of streaming one weight float (see {@link loweringCost}). */
const WEIGHT_COST = 2;

/** Whether `call` runs as Winograd (F(2×2) or F(4×4), see {@link convLowering}). */
export function winogradApplies(call: KernelCall): boolean {
  return convLowering(call) !== 'im2col';
}

/** Staging bytes of a Winograd convolution: padded input, transformed input, products. */
export function winogradStagingBytes(call: KernelCall): number {
  if (convLowering(call) === 'winograd4') return winograd4StagingBytes(call);
  const w = winogradGeometry(geometryOf(call));
  return w.paddedBytes + w.transformBytes + w.productBytes;
}

/** The Winograd convolution of `call` (`winogradApplies(call)` holds). */
export const winogradConv: KernelGenerator = (call, values, env) =>
  convLowering(call) === 'winograd4'
    ? winograd4Conv(call, values, env)
    : winograd2Conv(call, values, env);

/** Floats and instructions shared by the transforms. */
const v = (name: string) => `(local.get $${name})`;
const fadd = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
const fsub = (a: string, b: string) => `(f32x4.sub ${a} ${b})`;

/**
 * Bᵀ d B of four tiles at once: `d` is 16 vector expressions `d[i·4 + j]` (input row i, column j
 * of each tile); returns the 16 transformed vectors (as expressions of locals `e*`, set first).
 */
function inputTransform(): string {
  // Rows: e[0j] = d0j − d2j, e[1j] = d1j + d2j, e[2j] = d2j − d1j, e[3j] = d1j − d3j.
  const lines: string[] = [];
  for (let j = 0; j < 4; j++) {
    const d = (i: number) => v(`d${i * 4 + j}`);
    lines.push(set(`e${j}`, fsub(d(0), d(2))));
    lines.push(set(`e${4 + j}`, fadd(d(1), d(2))));
    lines.push(set(`e${8 + j}`, fsub(d(2), d(1))));
    lines.push(set(`e${12 + j}`, fsub(d(1), d(3))));
  }
  // Columns, into d: d[i0] = ei0 − ei2, d[i1] = ei1 + ei2, d[i2] = ei2 − ei1, d[i3] = ei1 − ei3.
  for (let i = 0; i < 4; i++) {
    const e = (j: number) => v(`e${i * 4 + j}`);
    lines.push(set(`d${i * 4}`, fsub(e(0), e(2))));
    lines.push(set(`d${i * 4 + 1}`, fadd(e(1), e(2))));
    lines.push(set(`d${i * 4 + 2}`, fsub(e(2), e(1))));
    lines.push(set(`d${i * 4 + 3}`, fsub(e(1), e(3))));
  }
  return lines.join('\n');
}

/** Minimum units a transform phase splits into per sample (threads have work at batch 1). */
const TRANSFORM_UNITS = 16;

/** The F(2×2) convolution's phases (see the file comment). */
const winograd2Conv: KernelGenerator = (call, values, env) => {
  const w = winogradGeometry(geometryOf(call));
  const { g } = w;
  const channels = g.inChannels;
  const outChannels = g.outChannels;
  const padded = env.staging;
  const transformed = padded + w.paddedBytes;
  const products = transformed + w.transformBytes;
  const phases: GeneratedKernel[] = [];

  // Phase 0: zero padding, extended to the tile grid at the bottom and right.
  const pad = padKernel(
    padCall({
      ...g,
      padBottom: w.height - g.inHeight - g.padTop,
      padRight: w.width - g.inWidth - g.padLeft,
    }),
    { inputs: [values.inputs[0]], output: padded },
    env,
  );
  phases.push(...(Array.isArray(pad) ? pad : [pad]));

  // Phase 1: input transform, units (sample, chunk of tile quads); channels innermost, so that
  // each of the 16 output streams is written contiguously (32 bytes a channel).
  const quadsWide = w.tilesWide / 4;
  const quads = w.tilesHigh * quadsWide;
  const panelBytes = channels * NR * 4;
  const xiStride = w.panels * panelBytes;
  const planeBytes = w.height * w.width * 4;
  const quadChunk = Math.ceil(quads / Math.min(quads, TRANSFORM_UNITS));
  const inUnits = Math.ceil(quads / quadChunk);
  const rowBytes = w.width * 4;
  const labels = new Labels();
  const loadRows = Array.from({ length: 4 }, (_, i) => {
    const at = i * rowBytes;
    return `${set('la', load('v128', get('src'), at))}
${set('lb', load('v128', get('src'), at + 16))}
${set(`d${i * 4}`, `(i8x16.shuffle ${EVEN} ${v('la')} ${v('lb')})`)}
${set(`d${i * 4 + 1}`, `(i8x16.shuffle ${ODD} ${v('la')} ${v('lb')})`)}
${set('la', load('v128', get('src'), at + 8))}
${set('lb', load('v128', get('src'), at + 24))}
${set(`d${i * 4 + 2}`, `(i8x16.shuffle ${EVEN} ${v('la')} ${v('lb')})`)}
${set(`d${i * 4 + 3}`, `(i8x16.shuffle ${ODD} ${v('la')} ${v('lb')})`)}`;
  }).join('\n');
  const storeXi = Array.from({ length: XI }, (_, xi) =>
    store('v128', get('dst'), v(`d${xi}`), xi * xiStride),
  ).join('\n');
  // Quad `qq` = ty·quadsWide + q goes to panel qq >> 1, half qq & 1.
  const quadTarget = (qq: string) =>
    add(
      get('vout'),
      add(
        mulConst(`(i32.shr_u ${qq} ${i32(1)})`, panelBytes),
        mulConst(`(i32.and ${qq} ${i32(1)})`, 16),
      ),
    );
  const perQuad = `${set('ty', `(i32.div_u ${get('qq')} ${i32(quadsWide)})`)}
${set('q', `(i32.rem_u ${get('qq')} ${i32(quadsWide)})`)}
${set('src', add(get('xin'), add(mulConst(get('ty'), 2 * rowBytes), mulConst(get('q'), 32))))}
${set('dst', quadTarget(get('qq')))}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `${loadRows}
${inputTransform()}
${storeXi}
${set('src', addConst(get('src'), planeBytes))}
${set('dst', addConst(get('dst'), NR * 4))}`,
)}`;
  // With an odd number of quads the last panel's second half is zeros (its columns are masked).
  const zeroTail =
    quads % 2 === 1
      ? ifThen(
          `(i32.eq ${get('qq1')} ${i32(quads)})`,
          `${set('dst', quadTarget(i32(quads)))}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `${Array.from({ length: XI }, (_, xi) => store('v128', get('dst'), '(v128.const i32x4 0 0 0 0)', xi * xiStride)).join('\n')}
${set('dst', addConst(get('dst'), NR * 4))}`,
)}`,
        )
      : '';
  const inBody = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(inUnits)})`)}
  ${set('qq0', mulConst(`(i32.rem_u ${get('u')} ${i32(inUnits)})`, quadChunk))}
  ${set('qq1', min(addConst(get('qq0'), quadChunk), i32(quads)))}
  ${set('xin', valueAddress(env, 'n', padded))}
  ${set('vout', valueAddress(env, 'n', transformed))}
  ${forLoop(labels, 'qq', get('qq0'), get('qq1'), perQuad)}
  ${zeroTail}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  const vectors = (stem: string, count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, idx) => [`${stem}${idx}`, 'v128']));
  phases.push({
    locals: {
      ...Object.fromEntries(
        ['u', 'n', 'qq0', 'qq1', 'xin', 'vout', 'qq', 'c', 'ty', 'q', 'src', 'dst'].map((name) => [
          name,
          'i32',
        ]),
      ),
      la: 'v128',
      lb: 'v128',
      ...vectors('d', XI),
      ...vectors('e', XI),
    },
    body: inBody,
    samplesPerUnit: 1,
    unitsPerGroup: inUnits,
    scratchBytes: 0,
    macs: XI * channels * w.columns,
  });

  // Phase 2: the 16 GEMMs (as 16 groups of one grouped GEMM).
  const { gemm, bias } = winogradProducts(call, env, {
    kind: 'winograd3x3',
    positions: XI,
    columns: w.columns,
    transformed,
    products,
  });
  phases.push(gemm);

  // Phase 3: output transform, units (sample, chunk of output channels).
  const steps = activationSteps(call.descriptor);
  const outChunk = Math.ceil(outChannels / Math.min(outChannels, TRANSFORM_UNITS));
  const outUnits = Math.ceil(outChannels / outChunk);
  const productXi = outChannels * w.columns * 4;
  const outRow = g.outWidth * 4;
  const m = (i: number, j: number) => v(`d${i * 4 + j}`);
  const loadProducts = Array.from({ length: XI }, (_, xi) =>
    set(`d${xi}`, load('v128', get('src'), xi * productXi)),
  ).join('\n');
  // Aᵀ M A with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: rows first (s0j, s1j), then columns.
  const rowsFirst = Array.from(
    { length: 4 },
    (_, j) => `${set(`e${j}`, fadd(fadd(m(0, j), m(1, j)), m(2, j)))}
${set(`e${4 + j}`, fsub(fsub(m(1, j), m(2, j)), m(3, j)))}`,
  ).join('\n');
  const s = (i: number, j: number) => v(`e${i * 4 + j}`);
  const finish = (name: string, value: string) =>
    `${set(name, bias === undefined ? value : fadd(value, v('bv')))}
${vectorActivation(steps, name)}`;
  const columnsThen = `${finish('y0', fadd(fadd(s(0, 0), s(0, 1)), s(0, 2)))}
${finish('y1', fsub(fsub(s(0, 1), s(0, 2)), s(0, 3)))}
${finish('y2', fadd(fadd(s(1, 0), s(1, 1)), s(1, 2)))}
${finish('y3', fsub(fsub(s(1, 1), s(1, 2)), s(1, 3)))}
${set('r0', `(i8x16.shuffle ${ZIP_LOW} ${v('y0')} ${v('y1')})`)}
${set('r1', `(i8x16.shuffle ${ZIP_HIGH} ${v('y0')} ${v('y1')})`)}
${set('r2', `(i8x16.shuffle ${ZIP_LOW} ${v('y2')} ${v('y3')})`)}
${set('r3', `(i8x16.shuffle ${ZIP_HIGH} ${v('y2')} ${v('y3')})`)}`;
  const fullStore = [0, 1]
    .flatMap((row) =>
      [0, 1].map((half) =>
        store('v128', get('dst'), v(`r${row * 2 + half}`), row * outRow + half * 16),
      ),
    )
    .join('\n');
  const maskedStore = [0, 1]
    .map((row) => {
      const lanes = Array.from({ length: 8 }, (_, col) =>
        ifThen(
          `(i32.lt_s ${addConst(get('ox'), col)} ${i32(g.outWidth)})`,
          store(
            'f32',
            get('dst'),
            `(f32x4.extract_lane ${col & 3} ${v(`r${row * 2 + (col >> 2)}`)})`,
            row * outRow + col * 4,
          ),
        ),
      ).join('\n');
      return row === 0
        ? lanes
        : ifThen(`(i32.lt_s ${addConst(get('oy'), 1)} ${i32(g.outHeight)})`, lanes);
    })
    .join('\n');
  const perOutChannel = `${set('mrow', add(get('mk'), mulConst(get('k'), w.columns * 4)))}
${set('orow', add(get('out'), mulConst(get('k'), g.outHeight * outRow)))}
${bias === undefined ? '' : set('bv', `(v128.load32_splat ${add(i32(bias), mulConst(get('k'), 4))})`)}
${forLoop(
  labels,
  'ty',
  i32(0),
  i32(w.tilesHigh),
  `${set('oy', mulConst(get('ty'), 2))}
${forLoop(
  labels,
  'q',
  i32(0),
  i32(quadsWide),
  `${set('ox', mulConst(get('q'), 8))}
${set('src', add(get('mrow'), add(mulConst(get('ty'), w.tilesWide * 4), mulConst(get('q'), 16))))}
${set('dst', add(get('orow'), add(mulConst(get('oy'), outRow), mulConst(get('ox'), 4))))}
${loadProducts}
${rowsFirst}
${columnsThen}
${ifThen(
  `(i32.and (i32.le_s ${addConst(get('ox'), 8)} ${i32(g.outWidth)}) (i32.le_s ${addConst(get('oy'), 2)} ${i32(g.outHeight)}))`,
  fullStore,
  maskedStore,
)}`,
)}`,
)}`;
  const outBody = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(outUnits)})`)}
  ${set('k0', mulConst(`(i32.rem_u ${get('u')} ${i32(outUnits)})`, outChunk))}
  ${set('k1', min(addConst(get('k0'), outChunk), i32(outChannels)))}
  ${set('mk', valueAddress(env, 'n', products))}
  ${set('out', valueAddress(env, 'n', values.output))}
  ${forLoop(labels, 'k', get('k0'), get('k1'), perOutChannel)}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  phases.push({
    locals: {
      ...Object.fromEntries(
        [
          'u',
          'n',
          'k0',
          'k1',
          'mk',
          'out',
          'k',
          'mrow',
          'orow',
          'ty',
          'q',
          'oy',
          'ox',
          'src',
          'dst',
        ].map((name) => [name, 'i32']),
      ),
      bv: 'v128',
      ...vectors('d', XI),
      ...vectors('e', 8),
      ...vectors('y', 4),
      ...vectors('r', 4),
    },
    body: outBody,
    samplesPerUnit: 1,
    unitsPerGroup: outUnits,
    scratchBytes: 0,
    macs: XI * outChannels * w.columns,
  });
  return phases;
};

/**
 * The GEMM phase of a Winograd convolution, `M[ξ] = U[ξ] · V[ξ]` for each of its `positions`
 * transform positions as one group of a grouped GEMM (U packed as `kind`), and the address of its
 * bias for the output transform. Shared by F(2×2) and F(4×4) (./winograd4.ts).
 */
export function winogradProducts(
  call: KernelCall,
  env: KernelEnv,
  spec: {
    kind: 'winograd3x3' | 'winograd4x4';
    positions: number;
    /** GEMM columns (tiles rounded up to a panel). */
    columns: number;
    /** Staging addresses of the transformed input V and of the products M. */
    transformed: number;
    products: number;
    /** Bytes between consecutive ξ of V and of M (default: packed). */
    columnGroupBytes?: number;
    outputGroupBytes?: number;
  },
): { gemm: GeneratedKernel; bias: number | undefined } {
  const g = geometryOf(call);
  const [weightName, biasName] = call.params;
  if (!weightName) throw new Error('internal error: convolution without weight');
  const weights = env.weight(weightName, {
    kind: spec.kind,
    rows: g.outChannels,
    depth: g.inChannels,
    mr: MR,
    kc: depthBlock(g.inChannels),
  });
  const gemm = gemmPhase(
    {
      groups: spec.positions,
      rows: g.outChannels,
      depth: g.inChannels,
      positions: spec.columns,
      columns: spec.transformed,
      output: spec.products,
      weights,
      bias: undefined,
      steps: [],
      ...(spec.columnGroupBytes === undefined ? {} : { columnGroupBytes: spec.columnGroupBytes }),
      ...(spec.outputGroupBytes === undefined ? {} : { outputGroupBytes: spec.outputGroupBytes }),
    },
    env,
  );
  const bias = biasName
    ? env.weight(biasName, { kind: 'plain', length: g.outChannels + MR })
    : undefined;
  return { gemm, bias };
}
