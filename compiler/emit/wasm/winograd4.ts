// Winograd F(4×4, 3×3) for 3×3 stride-1 convolutions (Lavin & Gray 2016, interpolation points
// 0, ±1, ±2, ∞): each 4×4 output tile is
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// over the 6×6 input tile d (tiles at stride 4), so 36 products give 16 outputs where F(2×2)'s
// 16 give 4: 1.78× fewer GEMM multiply-adds per output. The ⊙ summed over input channels is 36
// GEMMs `M[ξ] = U[ξ] · V[ξ]` through the same register-tiled GEMM as im2col (`gemmPhase`), and
// `U = G g Gᵀ` is computed at pack time in float64 (runtime/wasm/pack.ts, `winograd4x4`).
//
//        ⎡4  0 −5  0  1  0⎤         ⎡ 1/4     0     0 ⎤
//        ⎢0 −4 −4  1  1  0⎥         ⎢−1/6  −1/6  −1/6 ⎥        ⎡1  1  1  1  1  0⎤
//   Bᵀ = ⎢0  4 −4 −1  1  0⎥    G =  ⎢−1/6   1/6  −1/6 ⎥   Aᵀ = ⎢0  1 −1  2 −2  0⎥
//        ⎢0 −2 −1  2  1  0⎥         ⎢1/24  1/12   1/6 ⎥        ⎢0  1  1  4  4  0⎥
//        ⎢0  2 −1 −2  1  0⎥         ⎢1/24 −1/12   1/6 ⎥        ⎣0  1 −1  8 −8  1⎦
//        ⎣0  4  0 −5  0  1⎦         ⎣  0     0     1  ⎦
//
// Tiles are numbered row-major over the valid tile grid (no padding tiles: a 14×14 output has 4×4
// tiles, its GEMM 16 columns), and the transforms run f32x4 across four consecutive tiles (a
// quad), which may straddle two tile rows: each tile has its own input address, so every input row
// is two loads per tile (its columns 0–3 and 4–7), a 4×4 transpose of the first four (lane t of
// column j = tile t's column j) and two shuffles for columns 4 and 5.
//
// Phases over the per-sample staging region:
//   0. pad the input (zeros) to 4·tilesHigh + 2 rows and 4·tilesWide + 2 columns;
//   1. input transform: V[ξ][panel][c][NR] = Bᵀ d B, as the GEMM's column panels (a quad is half
//      a panel);
//   2. GEMM: M[ξ][k][tile] = Σ_c U[ξ][k][c] · V[ξ][c][tile];
//   3. output transform: Y = Aᵀ M A, + bias, activation, transposed back to rows of each tile and
//      stored (v128 per row of a whole tile, lane by lane for the partial tiles at the right and
//      bottom edges; the tiles past the last of a quad are not stored).
import { activationSteps, vectorActivation } from './activation.js';
import { geometryOf, NR, padCall, type ConvGeometry } from './gemm.js';
import { valueAddress, type GeneratedKernel, type KernelGenerator } from './kernel.js';
import { padKernel } from './simple.js';
import { winogradProducts } from './winograd.js';
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
  sub,
} from './wat.js';

/** Transform positions of a 6×6 tile. */
const XI = 36;

/** Interleaves lanes of two f32x4 a, b: (a0 b0 a1 b1), (a2 b2 a3 b3). */
const ZIP_LOW = '0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23';
const ZIP_HIGH = '8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31';
/** The low (high) halves of two f32x4: (a0 a1 b0 b1), (a2 a3 b2 b3). */
const HALF_LOW = '0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
const HALF_HIGH = '8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31';

/** Tile counts and the staging layout of an F(4×4, 3×3) convolution. */
export interface Winograd4Geometry {
  g: ConvGeometry;
  tilesHigh: number;
  tilesWide: number;
  /** Valid tiles (tilesHigh · tilesWide), numbered row-major. */
  tiles: number;
  /** Groups of four consecutive tiles. */
  quads: number;
  /** Padded input: height and width. */
  height: number;
  width: number;
  /** GEMM columns: tiles rounded up to a panel. */
  columns: number;
  panels: number;
  paddedBytes: number;
  /** Bytes between two transform positions ξ of the transformed input and of the products. */
  xiStride: number;
  productXi: number;
  transformBytes: number;
  productBytes: number;
}

export function winograd4Geometry(g: ConvGeometry): Winograd4Geometry {
  const tilesHigh = Math.ceil(g.outHeight / 4);
  const tilesWide = Math.ceil(g.outWidth / 4);
  const tiles = tilesHigh * tilesWide;
  const panels = Math.ceil(tiles / NR);
  const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
  const height = 4 * tilesHigh + 2;
  const width = 4 * tilesWide + 2;
  return {
    g,
    tilesHigh,
    tilesWide,
    tiles,
    quads: Math.ceil(tiles / 4),
    height,
    width,
    columns: panels * NR,
    panels,
    // The last tile's second load reads two floats past its row (64 bytes of slack).
    paddedBytes: align(g.inChannels * height * width * 4 + 64),
    xiStride: spread(panels * g.inChannels * NR * 4),
    productXi: spread(g.outChannels * panels * NR * 4),
    transformBytes: XI * spread(panels * g.inChannels * NR * 4),
    productBytes: XI * spread(g.outChannels * panels * NR * 4),
  };
}

/**
 * `bytes` rounded up to an odd number of cache lines: the 36 streams of a transform, that far
 * apart, fall into 36 different L1 sets. At a multiple of 4 KiB they all fell into one (12
 * ways), and the transforms of 128 and 256 channels on 28² and 14² ran at half the speed.
 */
function spread(bytes: number): number {
  const lines = Math.ceil(bytes / 64);
  return (lines % 2 === 0 ? lines + 1 : lines) * 64;
}

/** Staging bytes of an F(4×4) convolution: padded input, transformed input, products. */
export function winograd4StagingBytes(call: KernelCall): number {
  const w = winograd4Geometry(geometryOf(call));
  return w.paddedBytes + w.transformBytes + w.productBytes;
}

const v = (name: string) => `(local.get $${name})`;
const fadd = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
const fsub = (a: string, b: string) => `(f32x4.sub ${a} ${b})`;
const fscale = (a: string, k: number) => `(f32x4.mul ${a} (v128.const f32x4 ${k} ${k} ${k} ${k}))`;
const shuffle = (lanes: string, a: string, b: string) => `(i8x16.shuffle ${lanes} ${a} ${b})`;

/**
 * Bᵀ x of six vectors `x` (expressions of locals), into the locals `out[0…5]`, through the
 * temporaries `ta…td`:
 *   y0 = 4(x0 − x2) + (x4 − x2),   y1 = (x4 − 4x2) + (x3 − 4x1),   y2 = (x4 − 4x2) − (x3 − 4x1),
 *   y3 = (x4 − x2) + 2(x3 − x1),   y4 = (x4 − x2) − 2(x3 − x1),   y5 = 4(x1 − x3) + (x5 − x3).
 */
export function inputRows(x: readonly string[], out: readonly string[]): string {
  return [
    set('ta', fsub(x[4], fscale(x[2], 4))),
    set('tb', fsub(x[3], fscale(x[1], 4))),
    set('tc', fsub(x[4], x[2])),
    set('td', fscale(fsub(x[3], x[1]), 2)),
    set(out[0], fadd(fscale(fsub(x[0], x[2]), 4), v('tc'))),
    set(out[1], fadd(v('ta'), v('tb'))),
    set(out[2], fsub(v('ta'), v('tb'))),
    set(out[3], fadd(v('tc'), v('td'))),
    set(out[4], fsub(v('tc'), v('td'))),
    set(out[5], fadd(fscale(fsub(x[1], x[3]), 4), fsub(x[5], x[3]))),
  ].join('\n');
}

/**
 * Aᵀ m of six vectors `m`, into the locals `out[0…3]`, through the temporaries `ta…td`:
 *   y0 = m0 + (m1 + m2) + (m3 + m4),   y1 = (m1 − m2) + 2(m3 − m4),
 *   y2 = (m1 + m2) + 4(m3 + m4),       y3 = (m1 − m2) + 8(m3 − m4) + m5.
 */
export function outputRows(m: readonly string[], out: readonly string[]): string {
  return [
    set('ta', fadd(m[1], m[2])),
    set('tb', fsub(m[1], m[2])),
    set('tc', fadd(m[3], m[4])),
    set('td', fsub(m[3], m[4])),
    set(out[0], fadd(fadd(m[0], v('ta')), v('tc'))),
    set(out[1], fadd(v('tb'), fscale(v('td'), 2))),
    set(out[2], fadd(v('ta'), fscale(v('tc'), 4))),
    set(out[3], fadd(fadd(v('tb'), fscale(v('td'), 8)), m[5])),
  ].join('\n');
}

/** Minimum units a transform phase splits into per sample (threads have work at batch 1). */
const TRANSFORM_UNITS = 16;

const names = (stem: string, count: number) =>
  Array.from({ length: count }, (_, idx) => `${stem}${idx}`);
const typed = (list: readonly string[], type: string) =>
  Object.fromEntries(list.map((name) => [name, type]));

/**
 * The tile addresses of quad `qq` (a local): `$s<t>` = `base + (4·ty·rowBytes + 16·tx)` of tile
 * `4qq + t` = (ty, tx), or `base` for a tile past the last (computed, never stored).
 */
function tileAddresses(
  w: Winograd4Geometry,
  base: string,
  rowBytes: number,
  target: (t: number) => string,
): string {
  return Array.from({ length: 4 }, (_, t) => {
    const tile = addConst(mulConst(get('qq'), 4), t);
    return `${set('tt', tile)}
${set(
  target(t),
  `(select ${add(
    base,
    add(
      mulConst(`(i32.div_u ${get('tt')} ${i32(w.tilesWide)})`, 4 * rowBytes),
      mulConst(`(i32.rem_u ${get('tt')} ${i32(w.tilesWide)})`, 16),
    ),
  )} ${base} (i32.lt_u ${get('tt')} ${i32(w.tiles)}))`,
)}`;
  }).join('\n');
}

/** The F(4×4, 3×3) convolution's phases (see the file comment). */
export const winograd4Conv: KernelGenerator = (call, values, env) => {
  const w = winograd4Geometry(geometryOf(call));
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

  // Phase 1: input transform, units (sample, chunk of quads); channels innermost, so that each of
  // the 36 output streams is written contiguously (32 bytes a channel).
  const panelBytes = channels * NR * 4;
  const { xiStride, productXi } = w;
  const planeBytes = w.height * w.width * 4;
  const rowBytes = w.width * 4;
  const quadChunk = Math.ceil(w.quads / Math.min(w.quads, TRANSFORM_UNITS));
  const inUnits = Math.ceil(w.quads / quadChunk);
  const labels = new Labels();
  // Input row i of the four tiles: columns 0–3 transposed from one load per tile, columns 4 and
  // 5 (lanes 0 and 1 of the second load) by two zips and two half-merges; then B across the row.
  const loadRow = (i: number) => {
    const at = i * rowBytes;
    const loads = Array.from(
      { length: 4 },
      (_, t) => `${set(`a${t}`, load('v128', get(`s${t}`), at))}
${set(`b${t}`, load('v128', get(`s${t}`), at + 16))}`,
    ).join('\n');
    return `${loads}
${set('z0', shuffle(ZIP_LOW, v('a0'), v('a1')))}
${set('z1', shuffle(ZIP_LOW, v('a2'), v('a3')))}
${set('z2', shuffle(ZIP_HIGH, v('a0'), v('a1')))}
${set('z3', shuffle(ZIP_HIGH, v('a2'), v('a3')))}
${set('x0', shuffle(HALF_LOW, v('z0'), v('z1')))}
${set('x1', shuffle(HALF_HIGH, v('z0'), v('z1')))}
${set('x2', shuffle(HALF_LOW, v('z2'), v('z3')))}
${set('x3', shuffle(HALF_HIGH, v('z2'), v('z3')))}
${set('z0', shuffle(ZIP_LOW, v('b0'), v('b1')))}
${set('z1', shuffle(ZIP_LOW, v('b2'), v('b3')))}
${set('x4', shuffle(HALF_LOW, v('z0'), v('z1')))}
${set('x5', shuffle(HALF_HIGH, v('z0'), v('z1')))}
${inputRows(
  names('x', 6).map(v),
  Array.from({ length: 6 }, (_, j) => `r${i * 6 + j}`),
)}`;
  };
  // Then Bᵀ down each column j, stored as V[6i + j].
  const columnsOut = Array.from(
    { length: 6 },
    (_, j) => `${inputRows(
      Array.from({ length: 6 }, (_, i) => v(`r${i * 6 + j}`)),
      names('x', 6),
    )}
${Array.from({ length: 6 }, (_, i) => store('v128', get('dst'), v(`x${i}`), (i * 6 + j) * xiStride)).join('\n')}`,
  ).join('\n');
  // Quad qq goes to panel qq >> 1, half qq & 1.
  const quadTarget = (qq: string) =>
    add(
      get('vout'),
      add(
        mulConst(`(i32.shr_u ${qq} ${i32(1)})`, panelBytes),
        mulConst(`(i32.and ${qq} ${i32(1)})`, 16),
      ),
    );
  const perQuad = `${tileAddresses(w, get('xin'), rowBytes, (t) => `s${t}`)}
${set('dst', quadTarget(get('qq')))}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `${Array.from({ length: 6 }, (_, i) => loadRow(i)).join('\n')}
${columnsOut}
${Array.from({ length: 4 }, (_, t) => set(`s${t}`, addConst(get(`s${t}`), planeBytes))).join('\n')}
${set('dst', addConst(get('dst'), NR * 4))}`,
)}`;
  // With an odd number of quads the last panel's second half is zeros (its columns are not stored).
  const zeroTail =
    w.quads % 2 === 1
      ? ifThen(
          `(i32.eq ${get('qq1')} ${i32(w.quads)})`,
          `${set('dst', quadTarget(i32(w.quads)))}
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
  ${set('qq1', min(addConst(get('qq0'), quadChunk), i32(w.quads)))}
  ${set('xin', valueAddress(env, 'n', padded))}
  ${set('vout', valueAddress(env, 'n', transformed))}
  ${forLoop(labels, 'qq', get('qq0'), get('qq1'), perQuad)}
  ${zeroTail}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  phases.push({
    locals: {
      ...typed(['u', 'n', 'qq0', 'qq1', 'xin', 'vout', 'qq', 'tt', 'c', 'dst'], 'i32'),
      ...typed(names('s', 4), 'i32'),
      ...typed([...names('a', 4), ...names('b', 4), ...names('z', 4)], 'v128'),
      ...typed([...names('x', 6), ...names('r', XI), 'ta', 'tb', 'tc', 'td'], 'v128'),
    },
    body: inBody,
    samplesPerUnit: 1,
    unitsPerGroup: inUnits,
    scratchBytes: 0,
    macs: XI * channels * w.columns,
  });

  // Phase 2: the 36 GEMMs (as 36 groups of one grouped GEMM).
  const { gemm, bias } = winogradProducts(call, env, {
    kind: 'winograd4x4',
    positions: XI,
    columns: w.columns,
    transformed,
    products,
    columnGroupBytes: xiStride,
    outputGroupBytes: productXi,
  });
  phases.push(gemm);

  // Phase 3: output transform, units (sample, chunk of output channels).
  const steps = activationSteps(call.descriptor);
  const outChunk = Math.ceil(outChannels / Math.min(outChannels, TRANSFORM_UNITS));
  const outUnits = Math.ceil(outChannels / outChunk);
  const outRow = g.outWidth * 4;
  // Per quad: each tile's output address and whether it is whole (else its stores are masked;
  // a tile past the last has oy ≥ outHeight, so none of its lanes is stored).
  const tileSetup = Array.from(
    { length: 4 },
    (_, t) => `${set('tt', addConst(mulConst(get('qq'), 4), t))}
${set(`oy${t}`, mulConst(`(i32.div_u ${get('tt')} ${i32(w.tilesWide)})`, 4))}
${set(`ox${t}`, mulConst(`(i32.rem_u ${get('tt')} ${i32(w.tilesWide)})`, 4))}
${set(`d${t}`, add(get('orow'), add(mulConst(get(`oy${t}`), outRow), mulConst(get(`ox${t}`), 4))))}
${set(`f${t}`, `(i32.and (i32.le_s ${addConst(get(`ox${t}`), 4)} ${i32(g.outWidth)}) (i32.le_s ${addConst(get(`oy${t}`), 4)} ${i32(g.outHeight)}))`)}`,
  ).join('\n');
  // Aᵀ down each column j of M (six loads), into e[6i + j] (i < 4).
  const columnsFirst = Array.from(
    { length: 6 },
    (
      _,
      j,
    ) => `${Array.from({ length: 6 }, (_, i) => set(`m${i}`, load('v128', get('src'), (i * 6 + j) * productXi))).join('\n')}
${outputRows(
  names('m', 6).map(v),
  Array.from({ length: 4 }, (_, i) => `e${i * 6 + j}`),
)}`,
  ).join('\n');
  // Then per output row i: Aᵀ across e's row, bias, activation, the 4×4 transpose (w[t] = tile
  // t's row i) and the stores.
  // A partial tile's row: its first `$cols` lanes (at least one), in a helper so that the rarely
  // taken masked path does not cost the whole tiles' loop its registers.
  const partial = env.helper(
    'w4_partial_row',
    (fn) => `(func ${fn} (param $p i32) (param $x v128) (param $cols i32)
  (f32.store ${get('p')} (f32x4.extract_lane 0 ${get('x')}))
  ${[1, 2, 3]
    .map((j) =>
      ifThen(
        `(i32.gt_s ${get('cols')} ${i32(j)})`,
        store('f32', get('p'), `(f32x4.extract_lane ${j} ${get('x')})`, j * 4),
      ),
    )
    .join('\n')})`,
  );
  const storeRow = (i: number, t: number, whole: boolean) =>
    whole
      ? store('v128', get(`d${t}`), v(`w${t}`), i * outRow)
      : ifThen(
          get(`f${t}`),
          store('v128', get(`d${t}`), v(`w${t}`), i * outRow),
          ifThen(
            `(i32.lt_s ${addConst(get(`oy${t}`), i)} ${i32(g.outHeight)})`,
            `(call ${partial} ${addConst(get(`d${t}`), i * outRow)} ${v(`w${t}`)} ${sub(i32(g.outWidth), get(`ox${t}`))})`,
          ),
        );
  const rowsThen = (whole: boolean) =>
    Array.from(
      { length: 4 },
      (_, i) => `${outputRows(
        Array.from({ length: 6 }, (_, j) => v(`e${i * 6 + j}`)),
        names('y', 4),
      )}
${names('y', 4)
  .map(
    (name) => `${bias === undefined ? '' : set(name, fadd(v(name), v('bv')))}
${vectorActivation(steps, name)}`,
  )
  .join('\n')}
${set('z0', shuffle(ZIP_LOW, v('y0'), v('y1')))}
${set('z1', shuffle(ZIP_LOW, v('y2'), v('y3')))}
${set('z2', shuffle(ZIP_HIGH, v('y0'), v('y1')))}
${set('z3', shuffle(ZIP_HIGH, v('y2'), v('y3')))}
${set('w0', shuffle(HALF_LOW, v('z0'), v('z1')))}
${set('w1', shuffle(HALF_HIGH, v('z0'), v('z1')))}
${set('w2', shuffle(HALF_LOW, v('z2'), v('z3')))}
${set('w3', shuffle(HALF_HIGH, v('z2'), v('z3')))}
${Array.from({ length: 4 }, (_, t) => storeRow(i, t, whole)).join('\n')}`,
    ).join('\n');
  // Quads outer, the unit's channels inner: a quad's tile addresses are computed once (their
  // divisions are not cheap) and step by one output plane per channel.
  const planeOut = g.outHeight * outRow;
  // Two copies of the channel loop: whole quads store without a test (a rarely taken branch per
  // row store slowed the whole loop 2.8×, 0.10 → 0.28 ms for ResNet's 64×56²), the others mask.
  const channelLoop = (whole: boolean) =>
    forLoop(
      labels,
      'k',
      get('k0'),
      get('k1'),
      `${bias === undefined ? '' : set('bv', `(v128.load32_splat ${add(i32(bias), mulConst(get('k'), 4))})`)}
${columnsFirst}
${rowsThen(whole)}
${set('src', addConst(get('src'), w.columns * 4))}
${Array.from({ length: 4 }, (_, t) => set(`d${t}`, addConst(get(`d${t}`), planeOut))).join('\n')}`,
    );
  const perQuadOut = `${set('orow', add(get('out'), mulConst(get('k0'), planeOut)))}
${tileSetup}
${set('src', add(add(get('mk'), mulConst(get('k0'), w.columns * 4)), mulConst(get('qq'), 16)))}
${ifThen(
  `(i32.and (i32.and ${get('f0')} ${get('f1')}) (i32.and ${get('f2')} ${get('f3')}))`,
  channelLoop(true),
  channelLoop(false),
)}`;
  const outBody = `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(outUnits)})`)}
  ${set('k0', mulConst(`(i32.rem_u ${get('u')} ${i32(outUnits)})`, outChunk))}
  ${set('k1', min(addConst(get('k0'), outChunk), i32(outChannels)))}
  ${set('mk', valueAddress(env, 'n', products))}
  ${set('out', valueAddress(env, 'n', values.output))}
  ${forLoop(labels, 'qq', i32(0), i32(w.quads), perQuadOut)}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`;
  phases.push({
    locals: {
      ...typed(['u', 'n', 'k0', 'k1', 'mk', 'out', 'k', 'orow', 'qq', 'tt', 'src'], 'i32'),
      ...typed([...names('oy', 4), ...names('ox', 4), ...names('d', 4), ...names('f', 4)], 'i32'),
      bv: 'v128',
      ...typed([...names('m', 6), ...names('e', 24), ...names('y', 4)], 'v128'),
      ...typed([...names('w', 4), ...names('z', 4), 'ta', 'tb', 'tc', 'td'], 'v128'),
    },
    body: outBody,
    samplesPerUnit: 1,
    unitsPerGroup: outUnits,
    scratchBytes: 0,
    macs: XI * outChannels * w.columns,
  });
  return phases;
};
