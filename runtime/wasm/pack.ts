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
  | { kind: 'winograd3x3'; rows: number; depth: number; mr: number; kc: number };

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
    case 'winograd3x3': {
      const { rows, depth, mr, kc } = packing;
      pack(
        winogradWeights(source, rows, depth),
        { kind: 'rowPanels', groups: 16, rows, depth, mr, kc },
        target,
      );
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
 * `[rows, depth, 3, 3]` → `U[16][rows][depth]` with `U[4i + j][r][c] = (G g[r][c] Gᵀ)[i][j]`,
 * computed in float64 and rounded once.
 */
export function winogradWeights(source: Float32Array, rows: number, depth: number): Float32Array {
  const plane = rows * depth;
  const out = new Float32Array(16 * plane);
  const gg = new Float64Array(12);
  for (let rc = 0; rc < plane; rc++) {
    const g = source.subarray(rc * 9, rc * 9 + 9);
    // gg = G g (4×3)
    for (let i = 0; i < 4; i++)
      for (let b = 0; b < 3; b++)
        gg[i * 3 + b] = G[i][0] * g[b] + G[i][1] * g[3 + b] + G[i][2] * g[6 + b];
    // U = gg Gᵀ (4×4)
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++)
        out[(i * 4 + j) * plane + rc] =
          gg[i * 3] * G[j][0] + gg[i * 3 + 1] * G[j][1] + gg[i * 3 + 2] * G[j][2];
  }
  return out;
}
