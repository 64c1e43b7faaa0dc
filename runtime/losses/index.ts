// The losses of LANGUAGE.md §8 by name, for generated training code.
import { bceWithLogits } from './bce.js';
import { crossEntropy } from './cross-entropy.js';
import { hinge } from './hinge.js';
import { mse } from './mse.js';

export * from './bce.js';
export * from './common.js';
export * from './cross-entropy.js';
export * from './hinge.js';
export * from './mse.js';

/** Loss names of the `train` section. */
export type LossKind = 'cross_entropy' | 'hinge' | 'mse' | 'bce';

/**
 * The loss `kind` as `(outputs, targets, batch) => { loss, gradient }`: `targets` are class
 * indices `[batch]` for `cross_entropy`/`hinge` and values shaped like `outputs` for `mse`/`bce`.
 */
export function lossFunction(kind: LossKind) {
  return (outputs: Float32Array, targets: ArrayLike<number>, batch: number) => {
    switch (kind) {
      case 'cross_entropy':
        return crossEntropy(outputs, targets, batch);
      case 'hinge':
        return hinge(outputs, targets, batch);
      case 'mse':
        return mse(outputs, targets);
      case 'bce':
        return bceWithLogits(outputs, targets);
    }
  };
}
