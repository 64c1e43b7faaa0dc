// Packing of parameters into the layouts the generated GEMM kernels read (see docs/wasm-target.md):
// done once at create and on every loadWeights, never per forward.

/** How a parameter is laid out in the weight region (mirrors the compiler's `Packing`). */
export type Packing =
  | { kind: 'plain'; length: number }
  | { kind: 'rowPanels'; groups: number; rows: number; depth: number; mr: number; kc: number }
  | { kind: 'colPanels'; cols: number; depth: number; nr: number }
  /**
   * Winograd F(2×2, 3×3) weights: a 3×3 weight `[rows, depth, 3, 3]` transformed to
   * `U[ξ] = G g Gᵀ` (16 positions ξ), packed as `rowPanels` with the 16 positions as groups.
   */
  | { kind: 'winograd3x3'; rows: number; depth: number; mr: number; kc: number }
  /**
   * Winograd F(4×4, 3×3) weights: `U[ξ] = G g Gᵀ` with the 6×3 `G` (36 positions ξ), packed as
   * `rowPanels` with the 36 positions as groups.
   */
  | { kind: 'winograd4x4'; rows: number; depth: number; mr: number; kc: number };

/** Floats `packing` occupies. */
export function packedLength(packing: Packing): number {
  switch (packing.kind) {
    case 'plain':
      return packing.length;
    case 'rowPanels':
      return packing.groups * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
    case 'colPanels':
      return Math.ceil(packing.cols / packing.nr) * packing.nr * packing.depth;
    case 'winograd3x3':
      return 16 * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
    case 'winograd4x4':
      return 36 * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
  }
}

/** Writes `source` (PyTorch layout) into `target` (exactly {@link packedLength} floats) as `packing`. */
export function pack(source: Float32Array, packing: Packing, target: Float32Array): void {
  target.fill(0);
  switch (packing.kind) {
    case 'plain':
      target.set(source.subarray(0, Math.min(source.length, packing.length)));
      return;
    case 'rowPanels': {
      // source [groups·rows, depth] → per group, per depth block of kc: [block][k][mr]
      const { groups, rows, depth, mr, kc } = packing;
      const blocks = Math.ceil(rows / mr);
      for (let g = 0; g < groups; g++)
        for (let row = 0; row < rows; row++) {
          const block = Math.floor(row / mr);
          const lane = row % mr;
          const from = (g * rows + row) * depth;
          const group = g * blocks * depth * mr;
          for (let k0 = 0; k0 < depth; k0 += kc) {
            const blockDepth = Math.min(kc, depth - k0);
            const base = group + k0 * blocks * mr + block * blockDepth * mr + lane;
            for (let k = 0; k < blockDepth; k++) target[base + k * mr] = source[from + k0 + k];
          }
        }
      return;
    }
    case 'colPanels': {
      // source [cols, depth] → [panel][k][nr]
      const { cols, depth, nr } = packing;
      for (let col = 0; col < cols; col++) {
        const panel = Math.floor(col / nr);
        const lane = col % nr;
        const from = col * depth;
        const base = panel * depth * nr + lane;
        for (let k = 0; k < depth; k++) target[base + k * nr] = source[from + k];
      }
      return;
    }
    case 'winograd3x3':
    case 'winograd4x4': {
      // U[ξ] = G g Gᵀ per filter, written straight into the rowPanels layout with the 16 (or 36)
      // positions as groups (no intermediate copy of the transformed weights).
      const { rows, depth, mr, kc } = packing;
      const matrix = packing.kind === 'winograd3x3' ? G : G4;
      const positions = matrix.length * matrix.length;
      const blocks = Math.ceil(rows / mr);
      const u = new Float64Array(positions);
      for (let row = 0; row < rows; row++) {
        const block = Math.floor(row / mr);
        const lane = row % mr;
        for (let c = 0; c < depth; c++) {
          transformFilter(matrix, source, (row * depth + c) * 9, u);
          const k0 = Math.floor(c / kc) * kc;
          const blockDepth = Math.min(kc, depth - k0);
          const at = k0 * blocks * mr + block * blockDepth * mr + lane + (c - k0) * mr;
          for (let xi = 0; xi < positions; xi++) target[xi * blocks * depth * mr + at] = u[xi];
        }
      }
      return;
    }
  }
}

/** Winograd F(2×2, 3×3)'s G: U = G g Gᵀ. */
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];

/**
 * Winograd F(4×4, 3×3)'s G (Lavin & Gray, interpolation points 0, ±1, ±2, ∞), in float64: the
 * sixths and twelfths are not exact in binary, so U is computed in float64 and rounded once.
 */
export const G4 = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/**
 * `[rows, depth, 3, 3]` → `U[n²][rows][depth]` with `U[n·i + j][r][c] = (G g[r][c] Gᵀ)[i][j]`,
 * computed in float64 and rounded once; `n` is 4 for F(2×2, 3×3), 6 for F(4×4, 3×3).
 */
export function winogradWeights(
  source: Float32Array,
  rows: number,
  depth: number,
  tile: 2 | 4 = 2,
): Float32Array {
  const matrix = tile === 2 ? G : G4;
  const positions = matrix.length * matrix.length;
  const plane = rows * depth;
  const out = new Float32Array(positions * plane);
  const u = new Float64Array(positions);
  for (let rc = 0; rc < plane; rc++) {
    transformFilter(matrix, source, rc * 9, u);
    for (let xi = 0; xi < positions; xi++) out[xi * plane + rc] = u[xi];
  }
  return out;
}

/**
 * `u = G g Gᵀ` (n×n, row-major, n = rows of `matrix`) of the 3×3 filter `g` at
 * `source[offset…offset+9)`, in float64.
 */
function transformFilter(
  matrix: readonly (readonly number[])[],
  source: Float32Array,
  offset: number,
  u: Float64Array,
): void {
  const n = matrix.length;
  for (let i = 0; i < n; i++) {
    // (G g) row i, then times Gᵀ.
    const [g0, g1, g2] = matrix[i];
    const a = g0 * source[offset] + g1 * source[offset + 3] + g2 * source[offset + 6];
    const b = g0 * source[offset + 1] + g1 * source[offset + 4] + g2 * source[offset + 7];
    const c = g0 * source[offset + 2] + g1 * source[offset + 5] + g2 * source[offset + 8];
    for (let j = 0; j < n; j++)
      u[i * n + j] = a * matrix[j][0] + b * matrix[j][1] + c * matrix[j][2];
  }
}
