// Dropout at inference: the identity (PyTorch's eval mode; `p` is the drop probability). Training
// masks come with the training runtime.
import { makeLayer, type LayerKernel } from '../layer.js';
import type { DropoutDescriptor } from '../../contract/descriptors.js';
export type { DropoutDescriptor } from '../../contract/descriptors.js';

/**
 * Inference-time dropout: `(input, batch) => input`, with no kernel and no copy. It has no stages,
 * so a fused pipeline simply passes the value through.
 */
export function dropout(desc: DropoutDescriptor): LayerKernel<[Float32Array]> {
  if (!(desc.p >= 0 && desc.p < 1))
    throw new Error(`dropout: p must be in [0, 1), found ${desc.p}`);
  const layer = makeLayer<[Float32Array]>(
    (batch) => batch * desc.features,
    () => [],
    {},
    { what: 'dropout', batched: [0], perSample: desc.features },
  );
  const identity = async (input: Float32Array, batch: number): Promise<Float32Array> => {
    if (input.length !== batch * desc.features) {
      throw new Error(`dropout: expected ${batch * desc.features} values, found ${input.length}`);
    }
    return input;
  };
  return Object.assign(identity, {
    outputLength: layer.outputLength,
    stages: layer.stages,
    resolveInputs: layer.resolveInputs,
    maxBatch: layer.maxBatch,
  });
}
