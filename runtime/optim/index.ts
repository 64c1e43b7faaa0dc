// Optimizers and learning-rate schedules of LANGUAGE.md §8, by name, for generated training code.
import { adagrad, type AdagradOptions } from './adagrad.js';
import { adam, adamw, type AdamOptions } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { rmsprop, type RmspropOptions } from './rmsprop.js';
import { sgd, type SgdOptions } from './sgd.js';

export * from './adagrad.js';
export * from './adam.js';
export * from './optimizer.js';
export * from './rmsprop.js';
export * from './schedule.js';
export * from './sgd.js';

/** An optimizer as written in the `train` section, with PyTorch's hyper-parameter names in camel case. */
export type OptimizerSpec =
  | ({ kind: 'sgd' } & SgdOptions)
  | ({ kind: 'rmsprop' } & RmspropOptions)
  | ({ kind: 'adagrad' } & AdagradOptions)
  | ({ kind: 'adam' } & AdamOptions)
  | ({ kind: 'adamw' } & AdamOptions);

/** Makes the optimizer of a spec: {@link createOptimizer}, or a target's own (same semantics). */
export type OptimizerFactory = (spec: OptimizerSpec) => Optimizer;

/** Creates the optimizer `spec` names. */
export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return sgd(spec);
    case 'rmsprop':
      return rmsprop(spec);
    case 'adagrad':
      return adagrad(spec);
    case 'adam':
      return adam(spec);
    case 'adamw':
      return adamw(spec);
  }
}
