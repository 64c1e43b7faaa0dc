// The one registry of backward kernels: layer kind → gradient factory, as tfjs's
// `register_all_gradients`. Generated training code looks a layer's backward up here by the same
// kind as its forward kernel, passing the same descriptor.
import { activationGrad, elementwiseChainGrad } from './activation.grad.js';
import { adaptivePool2dGrad } from './adaptive-pool2d.grad.js';
import { addGrad } from './add.grad.js';
import { batchnormGrad } from './batchnorm.grad.js';
import { concatGrad } from './concat.grad.js';
import { conv1dGrad } from './conv1d.grad.js';
import { conv2dGrad } from './conv2d.grad.js';
import { conv3dGrad } from './conv3d.grad.js';
import { convTranspose2dGrad } from './convtranspose2d.grad.js';
import { dropoutGrad } from './dropout.grad.js';
import { flattenGrad } from './flatten.grad.js';
import { linearGrad } from './linear.grad.js';
import { lrnGrad } from './lrn.grad.js';
import { normalizeGrad } from './normalize.grad.js';
import { padGrad } from './pad.grad.js';
import { pool2dGrad } from './pool2d.grad.js';
import { softmaxGrad } from './softmax.grad.js';

/**
 * Gradient factories by layer kind. Each takes `(backend, descriptor)` — the forward kernel's
 * descriptor — (flatten takes only the descriptor) and returns
 * `(gradOutput, saved, batch) => Promise<grads>`. `conv2d-im2col` and `gemm`-lowered convolutions
 * share the direct convolution's backward; depthwise and separable are grouped and 1×1 `conv2d`.
 */
export const GRADIENTS = {
  activation: activationGrad,
  'adaptive-pool2d': adaptivePool2dGrad,
  add: addGrad,
  batchnorm: batchnormGrad,
  concat: concatGrad,
  conv1d: conv1dGrad,
  conv2d: conv2dGrad,
  'conv2d-im2col': conv2dGrad,
  conv3d: conv3dGrad,
  convtranspose2d: convTranspose2dGrad,
  dropout: dropoutGrad,
  'elementwise-chain': elementwiseChainGrad,
  flatten: flattenGrad,
  linear: linearGrad,
  lrn: lrnGrad,
  normalize: normalizeGrad,
  pad: padGrad,
  pool2d: pool2dGrad,
  softmax: softmaxGrad,
} as const;

/** A layer kind that has a registered backward. */
export type GradientKind = keyof typeof GRADIENTS;

/** The gradient factory of `kind`; throws naming the kind when none is registered. */
export function gradientFor<Kind extends GradientKind>(kind: Kind): (typeof GRADIENTS)[Kind] {
  const factory = GRADIENTS[kind];
  if (!factory) throw new Error(`no gradient is registered for layer kind \`${String(kind)}\``);
  return factory;
}
