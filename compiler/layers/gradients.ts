// The shapes of gradient rules the layer specs share (compiler/emit/gradient-rules.ts defines a
// rule): a convolution-like backward that returns the input's and both parameters' gradients, and
// a parameter-free one. A rule belongs to its kernel factory, so layers that plan the same factory
// (every activation plans `activation`) use the same constant from here.
import type { GradientRule, SavedKind } from '../emit/gradient-rules.js';

/** `{ input, weight, bias }` saved; gradients of the input, the weight and the bias. */
export function weightedGradient(grad: string): GradientRule {
  return {
    grad,
    saved: 'conv',
    result: 'input',
    paramGrads: ['weight', 'bias'],
    inputOption: true,
  };
}

/** A backward with no parameters: one input gradient from what `saved` keeps. */
export function plainGradient(grad: string, saved: SavedKind): GradientRule {
  return { grad, saved, result: 'input', paramGrads: [], inputOption: false };
}

/** The 2-D convolution's rules, for the direct and the im2col kernel (one backward for both). */
export const CONV2D_GRADIENTS = {
  conv2d: weightedGradient('conv2dGrad'),
  conv2dIm2col: weightedGradient('conv2dGrad'),
} as const;

/** Every convolution kernel a `[channels, …spatial]` input of rank 2 to 4 may plan. */
export const CONV_GRADIENTS = {
  ...CONV2D_GRADIENTS,
  conv1d: weightedGradient('conv1dGrad'),
  conv3d: weightedGradient('conv3dGrad'),
} as const;

/** An activation alone, or a chain of them fused into one kernel (compiler/passes/fuse-elementwise.ts). */
export const ACTIVATION_GRADIENTS = {
  activation: plainGradient('activationGrad', 'input'),
  elementwiseChain: plainGradient('elementwiseChainGrad', 'input'),
} as const;
