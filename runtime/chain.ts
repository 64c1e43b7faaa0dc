// Chains of layers compiled into one gpu.js pipeline (`gpu.createPipeline`), so intermediates stay
// on the device between layers: on webasm the plan runs over one shared WebAssembly memory
// ('fused-sync', or 'fused-threaded' with a single worker pool), on GL it passes textures, on
// webgpu it records one command encoder. Only the final result is read back.
import type { IPipelineRunShortcut } from 'gpu.js';
import type { Backend } from './backend.js';
import { stageArguments, type LayerKernel } from './layer.js';

/** What a chain needs of a layer: its kernels and its defaults for `null` parameters. */
export type ChainLayer = Pick<LayerKernel<never>, 'stages' | 'resolveInputs'> &
  Partial<Pick<LayerKernel<never>, 'maxBatch'>>;

/** Where a layer input comes from: a chain input, an earlier step's output, or a parameter. */
export type ChainRef = { input: number } | { step: number } | { param: number };

/** One layer of a chain and the sources of its inputs, in the layer's argument order. */
export interface ChainStep {
  layer: ChainLayer;
  inputs: readonly ChainRef[];
}

/** A compiled chain: `(inputs, params) => outputs`, all flat `Float32Array`s (NCHW activations). */
export interface Chain {
  (
    inputs: readonly Float32Array[],
    params: readonly (Float32Array | null)[],
  ): Promise<Float32Array[]>;
  /** The gpu.js executor that ran the last call (`fused-sync`, `fused-threaded`, `generic`, …). */
  readonly executorKind: string | null;
  /** Why gpu.js declined to fuse the plan, when it did. */
  readonly fallbackReason: string | null;
}

/**
 * Compiles `steps` for one batch size into a gpu.js pipeline returning the outputs of the steps
 * listed in `outputs`. Parameters (weights, which may change between calls when weights are
 * loaded) are pipeline arguments, uploaded on each call; `null` parameters become the layer's
 * defaults (zero bias, unit scale).
 */
export function compileChain(
  backend: Backend,
  steps: readonly ChainStep[],
  batch: number,
  outputs: readonly number[],
): Chain {
  steps.forEach((step, index) => {
    // A chain runs each kernel once over the whole batch, so every launch must stay exact (2^24).
    const limit = step.layer.maxBatch ?? Infinity;
    if (batch > limit) {
      throw new Error(
        `chain step ${index}: batch ${batch} is larger than the ${limit} samples one exact ` +
          'launch of this layer takes (2^24 values per kernel); call the layers one by one',
      );
    }
  });
  const stagesPerStep = steps.map((step) => step.layer.stages(batch));
  let inputCount = 0;
  for (const step of steps) {
    for (const ref of step.inputs)
      if ('input' in ref) inputCount = Math.max(inputCount, ref.input + 1);
  }
  const orchestrate = (...handles: unknown[]): unknown[] => {
    const values: unknown[] = [];
    steps.forEach((step, index) => {
      const layerInputs = step.inputs.map((ref) => {
        if ('input' in ref) return handles[ref.input];
        if ('step' in ref) return values[ref.step];
        return handles[inputCount + ref.param];
      });
      let previous: unknown = undefined;
      for (const stage of stagesPerStep[index]) {
        // Inside a trace the kernels take and return opaque handles.
        const record = stage.kernel as unknown as (...args: unknown[]) => unknown;
        previous = record(...stageArguments(stage, layerInputs, previous));
      }
      // A layer without kernels (inference dropout) passes its first input through.
      values.push(previous ?? layerInputs[0]);
    });
    return outputs.map((index) => values[index]);
  };
  // NOTE: gpu.js makes one handle per declared parameter (`fn.length`), so the variadic
  // orchestration function declares how many it takes.
  const paramCount = steps.reduce(
    (acc, step) => Math.max(acc, ...step.inputs.map((ref) => ('param' in ref ? ref.param + 1 : 0))),
    0,
  );
  Object.defineProperty(orchestrate, 'length', { value: inputCount + paramCount });
  const pipeline: IPipelineRunShortcut = backend.gpu.createPipeline(
    orchestrate as Parameters<Backend['gpu']['createPipeline']>[0],
    { threads: backend.threaded },
  );
  const run = async (
    inputs: readonly Float32Array[],
    params: readonly (Float32Array | null)[],
  ): Promise<Float32Array[]> => {
    const resolved = resolveParams(steps, params);
    const result = (await pipeline(...inputs, ...resolved)) as unknown as Float32Array[];
    return result.map((value) =>
      value instanceof Float32Array ? value : Float32Array.from(value),
    );
  };
  // NOTE: getters, not Object.assign, which would copy the values once.
  const probe = pipeline as unknown as { executorKind?: string; fallbackReason?: string | null };
  return Object.defineProperties(run, {
    executorKind: { get: () => probe.executorKind ?? null },
    fallbackReason: { get: () => probe.fallbackReason ?? null },
  }) as Chain;
}

/** Replaces `null` parameters by the defaults of the layer that reads them. */
function resolveParams(
  steps: readonly ChainStep[],
  params: readonly (Float32Array | null)[],
): Float32Array[] {
  const resolved = [...params] as (Float32Array | null)[];
  for (const step of steps) {
    step.inputs.forEach((ref, position) => {
      if (!('param' in ref) || params[ref.param] !== null) return;
      const probe = step.inputs.map((_, at) => (at === position ? null : new Float32Array(0)));
      resolved[ref.param] = step.layer.resolveInputs(probe)[position];
    });
  }
  return resolved.map((value, index) => {
    if (value === null) throw new Error(`chain parameter ${index} is null and no layer reads it`);
    return value;
  });
}
