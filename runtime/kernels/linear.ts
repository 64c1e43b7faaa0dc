// Fully connected layer (PyTorch `Linear`): y = x·Wᵀ + b, with a fused activation epilogue.
import type { Backend } from '../backend.js';
import { chunks, expectExact, MAX_KERNEL_VALUES } from '../exact.js';
import { makeLayer, type KernelThis, type LayerKernel, type Stage } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import { expectPositive } from './conv-util.js';
import type { LinearDescriptor } from '../../contract/descriptors.js';
export type { LinearDescriptor } from '../../contract/descriptors.js';

interface LinearConstants {
  inFeatures: number;
  outFeatures: number;
  activation: number;
  alpha: number;
}

function linearKernel(
  this: KernelThis<LinearConstants>,
  x: number[],
  weight: number[],
  bias: number[],
): number {
  const o = this.thread.x % this.constants.outFeatures;
  const n = Math.floor(this.thread.x / this.constants.outFeatures);
  let sum = 0;
  for (let i = 0; i < this.constants.inFeatures; i++) {
    sum += x[n * this.constants.inFeatures + i] * weight[o * this.constants.inFeatures + i];
  }
  return applyActivation(sum + bias[o], this.constants.activation, this.constants.alpha);
}

/** Linear layer specialised on `desc`: `(input, weight, bias, batch) => output`; `bias` may be `null`. */
export function linear(
  backend: Backend,
  desc: LinearDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  expectPositive('linear', { inFeatures: desc.inFeatures, outFeatures: desc.outFeatures });
  expectExact('linear', { 'an input row': desc.inFeatures, 'an output row': desc.outFeatures });
  const rowsPerLaunch = Math.floor(MAX_KERNEL_VALUES / desc.inFeatures);
  if (desc.outFeatures <= rowsPerLaunch) return linearLaunch(backend, desc);
  return linearBlocks(backend, desc, rowsPerLaunch);
}

/** One launch over the whole weight (at most 2^24 values); larger batches run in groups. */
function linearLaunch(
  backend: Backend,
  desc: LinearDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  const constants: LinearConstants = {
    inFeatures: desc.inFeatures,
    outFeatures: desc.outFeatures,
    ...activationConstants(desc.activation),
  };
  const length = (batch: number) => batch * desc.outFeatures;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel(
          'linear',
          linearKernel,
          { ...constants },
          length(batch),
          ACTIVATION_HELPERS,
        ),
        args: [0, 1, 2],
      },
    ],
    { 2: new Float32Array(desc.outFeatures) },
    {
      what: 'linear',
      batched: [0],
      perSample: Math.max(desc.inFeatures, desc.outFeatures),
      whole: { weight: desc.inFeatures * desc.outFeatures },
    },
  );
}

/**
 * A weight of more than 2^24 values (AlexNet's 9216 → 4096) runs as blocks of output features, each
 * a launch over a contiguous block of weight rows; the blocks' outputs are interleaved per sample.
 * Such a layer has no single stage list, so it cannot be recorded into a chain (`maxBatch` is 0).
 */
function linearBlocks(
  backend: Backend,
  desc: LinearDescriptor,
  rowsPerLaunch: number,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  const { inFeatures, outFeatures } = desc;
  const blocks = chunks(outFeatures, rowsPerLaunch).map(([first, rows]) => ({
    first,
    rows,
    layer: linearLaunch(backend, { ...desc, outFeatures: rows }),
  }));
  const zeros = new Float32Array(outFeatures);
  const run = async (
    input: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    batch: number,
  ): Promise<Float32Array> => {
    if (weight.length !== inFeatures * outFeatures) {
      throw new Error(
        `linear: weight has ${weight.length} values, expected ${inFeatures * outFeatures}`,
      );
    }
    const fullBias = bias ?? zeros;
    const output = new Float32Array(batch * outFeatures);
    for (const { first, rows, layer } of blocks) {
      const part = await layer(
        input,
        weight.subarray(first * inFeatures, (first + rows) * inFeatures),
        fullBias.subarray(first, first + rows),
        batch,
      );
      for (let n = 0; n < batch; n++) {
        output.set(part.subarray(n * rows, (n + 1) * rows), n * outFeatures + first);
      }
    }
    return output;
  };
  return Object.assign(run, {
    outputLength: (batch: number) => batch * outFeatures,
    stages: (): Stage[] => {
      throw new Error(
        `linear: a ${outFeatures}×${inFeatures} weight runs in blocks of output features and ` +
          'cannot be recorded into a chain',
      );
    },
    resolveInputs: (inputs: readonly (Float32Array | null)[]) =>
      inputs.map((input, index) => {
        if (input !== null) return input;
        if (index === 2) return zeros;
        throw new Error(`input ${index} of this layer must not be null`);
      }),
    maxBatch: 0,
  });
}
