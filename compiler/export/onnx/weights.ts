// The weights an ONNX export carries: the seeded initialisation a generated module's
// `create({ seed })` draws (the runtime's own `initParameters`, with the `train` section's `init`
// as the default scheme, exactly as the emitted `create` passes it), or a safetensors file loaded
// with the runtime's own checks. Pure: the CLI reads the file and passes its bytes.
import type { ModelGraph, TrainConfig } from '../../ir/graph.js';
import { trainInitOf } from '../../emit/train-spec.js';
import { initParameters, readWeights } from '../../../runtime/params.js';
import { SafetensorsError } from '../../../runtime/safetensors.js';
import { onnxParamSpecs } from './export.js';

/** Where the weights come from. */
export type WeightSource = { seed: number } | { safetensors: Uint8Array };

/** The weights by `state_dict` name, or the loader's one-line complaint about the file. */
export function exportWeights(
  model: ModelGraph,
  train: TrainConfig | undefined,
  source: WeightSource,
): { ok: true; weights: Map<string, Float32Array> } | { ok: false; message: string } {
  const specs = onnxParamSpecs(model);
  if ('seed' in source)
    return {
      ok: true,
      weights: initParameters(specs, trainInitOf(train) ?? 'pytorch', source.seed),
    };
  try {
    return { ok: true, weights: readWeights(source.safetensors, specs) };
  } catch (error) {
    if (error instanceof SafetensorsError) return { ok: false, message: error.message };
    throw error;
  }
}
