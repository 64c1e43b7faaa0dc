// The forward kernel factories by name, typed by the compiler↔runtime contract: each takes the
// descriptor contract/descriptors.ts gives its name (inference `dropout` takes no backend). A
// factory missing here, or reading another descriptor, fails to compile.
import type { KernelDescriptors, KernelFactory } from '../contract/descriptors.js';
import type { Backend } from './backend.js';
import { activation } from './kernels/activation.js';
import { adaptivePool2d } from './kernels/adaptive-pool2d.js';
import { add } from './kernels/add.js';
import { batchnorm } from './kernels/batchnorm.js';
import { concat } from './kernels/concat.js';
import { conv1d } from './kernels/conv1d.js';
import { conv2d } from './kernels/conv2d.js';
import { conv3d } from './kernels/conv3d.js';
import { convTranspose2d } from './kernels/convtranspose2d.js';
import { dropout } from './kernels/dropout.js';
import { elementwiseChain } from './kernels/elementwise.js';
import { conv2dIm2col } from './kernels/im2col.js';
import { linear } from './kernels/linear.js';
import { lrn } from './kernels/lrn.js';
import { groupnorm } from './kernels/groupnorm.js';
import { normalize } from './kernels/normalize.js';
import { upsample } from './kernels/upsample.js';
import { pad } from './kernels/pad.js';
import { pool2d } from './kernels/pool2d.js';
import { softmax } from './kernels/softmax.js';

/** The signature of factory `F`. */
export type KernelFactoryOf<F extends KernelFactory> = F extends 'dropout'
  ? (desc: KernelDescriptors[F]) => unknown
  : (backend: Backend, desc: KernelDescriptors[F]) => unknown;

/** Forward kernel factory by name. */
export const KERNEL_FACTORIES: { readonly [F in KernelFactory]: KernelFactoryOf<F> } = {
  activation,
  adaptivePool2d,
  add,
  batchnorm,
  concat,
  conv1d,
  conv2d,
  conv2dIm2col,
  conv3d,
  convTranspose2d,
  dropout,
  elementwiseChain,
  linear,
  lrn,
  groupnorm,
  normalize,
  pad,
  pool2d,
  softmax,
  upsample,
};
