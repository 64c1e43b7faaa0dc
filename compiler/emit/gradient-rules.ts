// The compile-time half of the gradient registry: for each forward kernel factory the target
// plans, the runtime's backward factory (`runtime/gradients/registry.ts` lists the same pairs by
// layer kind), what the backward reads from the forward (`saved`), and how its result maps back to
// the layer's inputs and parameters. Reverse-mode differentiation (./plan-backward.ts) is driven
// by this table alone, like tinygrad's `pm_gradient`: one line per op.

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

const conv = (grad: string): GradientRule => ({
  grad,
  saved: 'conv',
  result: 'input',
  paramGrads: ['weight', 'bias'],
  inputOption: true,
});

const simple = (grad: string, saved: SavedKind): GradientRule => ({
  grad,
  saved,
  result: 'input',
  paramGrads: [],
  inputOption: false,
});

/**
 * Forward kernel factory → its backward rule, for the layers planned in compiler/emit/. A layer
 * that carries its own plan (`backends` in its spec, e.g. `groupnorm`, `upsample`) carries the
 * rules of its factories there; test/layers/completeness.test.ts fails for a planned factory with
 * no rule in either place.
 */
export const GRADIENT_RULES: Readonly<Partial<Record<KernelFactory, GradientRule>>> = {
  conv2d: conv('conv2dGrad'),
  conv2dIm2col: conv('conv2dGrad'),
  conv1d: conv('conv1dGrad'),
  conv3d: conv('conv3dGrad'),
  convTranspose2d: conv('convTranspose2dGrad'),
  linear: conv('linearGrad'),
  pool2d: simple('pool2dGrad', 'input-output'),
  adaptivePool2d: simple('adaptivePool2dGrad', 'input'),
  pad: simple('padGrad', 'none'),
  activation: simple('activationGrad', 'input'),
  elementwiseChain: simple('elementwiseChainGrad', 'input'),
  softmax: simple('softmaxGrad', 'output'),
  lrn: simple('lrnGrad', 'input'),
  dropout: { ...simple('dropoutGrad', 'mask'), trainForward: 'dropoutTrain' },
  batchnorm: {
    grad: 'batchnormGrad',
    saved: 'batchnorm',
    result: 'input',
    paramGrads: ['gamma', 'beta', null, null],
    inputOption: false,
    trainForward: 'batchnormTrain',
  },
  normalize: {
    grad: 'normalizeGrad',
    saved: 'normalize',
    result: 'input',
    paramGrads: [null, null],
    inputOption: true,
  },
  add: { grad: 'addGrad', saved: 'inputs', result: 'inputs', paramGrads: [], inputOption: false },
  concat: {
    grad: 'concatGrad',
    saved: 'none',
    result: 'inputs',
    paramGrads: [],
    inputOption: false,
  },
};

/** The rule of `factory`, or undefined when no backward is registered for it. */
export function gradientRule(factory: KernelFactory | string): GradientRule | undefined {
  if (Object.hasOwn(GRADIENT_RULES, factory)) return GRADIENT_RULES[factory as KernelFactory];
  // Layers that carry their own plan carry the rules of its factories too.
  for (const spec of layers) {
    const own = spec.backends?.gradients;
    if (own && Object.hasOwn(own, factory)) return own[factory];
  }
  return undefined;
}
