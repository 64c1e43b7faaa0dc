// Backward of `flatten`: a reshape of a flat NCHW tensor changes no value, so the gradient passes
// through unchanged (copied, so that callers may accumulate into it).
import type { FlattenDescriptor } from '../../contract/descriptors.js';
export type { FlattenDescriptor } from '../../contract/descriptors.js';

/** Backward of `flatten`: `(gradOutput, {}, batch) => { input: gradOutput }` (a copy). */
export function flattenGrad(desc: FlattenDescriptor) {
  return async (gradOutput: Float32Array, _saved: object, batch: number) => {
    if (gradOutput.length !== batch * desc.features) {
      throw new Error(
        `flatten gradient: expected ${batch * desc.features} values, found ${gradOutput.length}`,
      );
    }
    return { input: gradOutput.slice() };
  };
}
