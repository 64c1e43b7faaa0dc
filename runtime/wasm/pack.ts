// Packing of parameters into the layouts the generated GEMM kernels read (see docs/wasm-target.md):
// done once at create and on every loadWeights, never per forward.

/** How a parameter is laid out in the weight region (mirrors the compiler's `Packing`). */
export type Packing =
  | { kind: 'plain'; length: number }
  | { kind: 'rowPanels'; groups: number; rows: number; depth: number; mr: number; kc: number }
  | { kind: 'colPanels'; cols: number; depth: number; nr: number };

/** Floats `packing` occupies. */
export function packedLength(packing: Packing): number {
  switch (packing.kind) {
    case 'plain':
      return packing.length;
    case 'rowPanels':
      return packing.groups * Math.ceil(packing.rows / packing.mr) * packing.mr * packing.depth;
    case 'colPanels':
      return Math.ceil(packing.cols / packing.nr) * packing.nr * packing.depth;
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
  }
}
