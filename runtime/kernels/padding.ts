// Padding modes shared by the convolution and pad kernels: how an out-of-range input index maps
// back into the input (or to nothing, for zero padding).
import type { PadMode } from '../../contract/descriptors.js';
export type { PadMode } from '../../contract/descriptors.js';

/** Integer codes the kernels branch on (a kernel constant). */
export const PAD_MODE_CODES: Readonly<Record<PadMode, number>> = {
  zeros: 0,
  reflect: 1,
  replicate: 2,
  circular: 3,
};

/**
 * Maps index `i` along a dimension of `size` into `[0, size)` for pad mode `mode` (a code of
 * {@link PAD_MODE_CODES}), or returns -1 when the element is a padded zero. A gpu.js helper
 * function: reflect assumes `pad < size` and circular `pad ≤ size`, which {@link checkPadding}
 * enforces at create time, so a single reflection or wrap suffices.
 */
export function padIndex(i: number, size: number, mode: number): number {
  if (i >= 0 && i < size) return i;
  if (mode === 1) {
    if (i < 0) return -i;
    return 2 * (size - 1) - i;
  }
  if (mode === 2) {
    if (i < 0) return 0;
    return size - 1;
  }
  if (mode === 3) {
    if (i < 0) return i + size;
    return i - size;
  }
  return -1;
}

/** Throws a create-time error when `mode` cannot pad `size` elements by `lo`/`hi` (PyTorch's rules). */
export function checkPadding(
  what: string,
  mode: PadMode,
  size: number,
  lo: number,
  hi: number,
): void {
  if (lo < 0 || hi < 0) throw new Error(`${what}: negative padding ${lo}/${hi} is not supported`);
  if (mode === 'reflect' && (lo >= size || hi >= size)) {
    throw new Error(
      `${what}: reflect padding ${lo}/${hi} must be smaller than the input size ${size}`,
    );
  }
  if (mode === 'circular' && (lo > size || hi > size)) {
    throw new Error(`${what}: circular padding ${lo}/${hi} must not exceed the input size ${size}`);
  }
}
