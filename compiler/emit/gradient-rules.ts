// The compile-time half of the gradient registry: for each forward kernel factory the target
// plans, the runtime's backward factory (`runtime/gradients/registry.ts` lists the same pairs by
// layer kind), what the backward reads from the forward (`saved`), and how its result maps back to
// the layer's inputs and parameters. The rules live in the layer specs (`backends.gradients`, one
// line per factory, like tinygrad's `pm_gradient`); reverse-mode differentiation
// (./plan-backward.ts) asks for them here.

import type { KernelFactory } from '../../contract/descriptors.js';
import { layers } from '../layers/registry.js';

/** What a backward reads from its forward, which decides the `saved` object emitted for it. */
export type SavedKind =
  /** `{ input, weight, bias }`: the layer input and its first two parameters. */
  | 'conv'
  | 'input'
  | 'output'
  | 'input-output'
  /** `{ inputs: [...] }`: every layer input (`add`). */
  | 'inputs'
  /** `{ mask }` of the training forward (`dropout`). */
  | 'mask'
  /** `{ input, gamma, beta, mean, variance }` with the batch statistics of the training forward. */
  | 'batchnorm'
  /** `{ std }`: `normalize`'s divisor (its second parameter, a buffer). */
  | 'normalize'
  | 'none';

/** One line of the table. */
export interface GradientRule {
  /** The runtime export that builds the backward: `factory(backend, descriptor[, options])`. */
  grad: string;
  saved: SavedKind;
  /** `input`: one input gradient `result.input`; `inputs`: `result.inputs[i]` per input. */
  result: 'input' | 'inputs';
  /** The result field holding the gradient of each parameter the forward takes, or null (a buffer). */
  paramGrads: readonly (string | null)[];
  /** Whether the factory takes `{ inputGradient }` (skipped when the input is a model input). */
  inputOption: boolean;
  /**
   * A training-mode forward replacing the inference kernel, resolving to `{ output, … }`:
   * `batchnormTrain` (batch statistics) and `dropoutTrain` (seeded masks).
   */
  trainForward?: 'batchnormTrain' | 'dropoutTrain';
}

/**
 * The rule of `factory`, as the layer specs declare it (`backends.gradients`), or undefined when
 * no layer declares a backward for it. test/layers/completeness.test.ts checks that every layer
 * declares a rule for each factory it plans, and that layers sharing a factory agree on its rule.
 */
export function gradientRule(factory: KernelFactory | string): GradientRule | undefined {
  for (const spec of layers) {
    const own = spec.backends.gradients;
    if (Object.hasOwn(own, factory)) return own[factory];
  }
  return undefined;
}
