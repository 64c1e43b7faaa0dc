// The one table of backward kernels: forward kernel factory → its backward factory, which takes
// the forward's descriptor (typed by contract/descriptors.ts, so a backward reading another
// descriptor fails to compile). The compiler's gradient rules (compiler/emit/gradient-rules.ts)
// name these same exports; test/gradients/layers.grad.test.ts checks that both tables agree.
// `flatten` has no entry: it plans no kernel (its value is its input's), so its gradient is the
// output gradient as it is.
import type { KernelDescriptors, KernelFactory } from '../../contract/descriptors.js';
import type { Backend } from '../backend.js';
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
import { linearGrad } from './linear.grad.js';
import { lrnGrad } from './lrn.grad.js';
import { groupnormGrad } from './groupnorm.grad.js';
import { normalizeGrad } from './normalize.grad.js';
import { upsampleGrad } from './upsample.grad.js';
import { padGrad } from './pad.grad.js';
import { pool2dGrad } from './pool2d.grad.js';
import { softmaxGrad } from './softmax.grad.js';

/** A backward factory over the descriptor of forward factory `F`. */
export type GradientFactoryOf<F extends KernelFactory> = (
  backend: Backend,
  desc: KernelDescriptors[F],
) => unknown;

/**
 * Backward factory by forward kernel factory: `(backend, descriptor[, options])` returns
 * `(gradOutput, saved, batch) => Promise<grads>`. The im2col convolution shares the direct one's
 * backward; depthwise and separable are grouped and 1×1 `conv2d`.
 */
export const GRADIENTS: { readonly [F in KernelFactory]: GradientFactoryOf<F> } = {
  activation: activationGrad,
  adaptivePool2d: adaptivePool2dGrad,
  add: addGrad,
  batchnorm: batchnormGrad,
  concat: concatGrad,
  conv1d: conv1dGrad,
  conv2d: conv2dGrad,
  conv2dIm2col: conv2dGrad,
  conv3d: conv3dGrad,
  convTranspose2d: convTranspose2dGrad,
  dropout: dropoutGrad,
  elementwiseChain: elementwiseChainGrad,
  linear: linearGrad,
  lrn: lrnGrad,
  groupnorm: groupnormGrad,
  normalize: normalizeGrad,
  pad: padGrad,
  pool2d: pool2dGrad,
  softmax: softmaxGrad,
  upsample: upsampleGrad,
};

/** The backward factory of forward factory `factory`. */
export function gradientFor<F extends KernelFactory>(factory: F): (typeof GRADIENTS)[F] {
  return GRADIENTS[factory];
}
