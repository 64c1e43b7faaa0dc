// Random weights for a generated module, as a safetensors file (variances and `normalize` stds kept positive).
import { writeSafetensors } from '../../runtime/safetensors.js';
import { inputFor, type GeneratedModule } from './build-helper.js';

/** Random weights for every parameter of `module`, seeded. */
export function randomWeights(
  module: Pick<GeneratedModule, 'parameterSpecs'>,
  seed: number,
): Uint8Array {
  return writeSafetensors(
    module.parameterSpecs.map((spec, idx) => {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const data = inputFor(size, seed * 1000 + idx);
      if (spec.name.endsWith('running_var')) data.forEach((v, i) => (data[i] = Math.abs(v) + 0.5));
      // `normalize`'s std, like a variance, is positive.
      if (spec.name.endsWith('.std')) data.forEach((v, i) => (data[i] = Math.abs(v) + 0.5));
      return [spec.name, { shape: [...spec.shape], data }];
    }),
  );
}
