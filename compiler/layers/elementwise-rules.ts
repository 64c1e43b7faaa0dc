// Shape rules of the layers that keep their input's shape: activations, softmax, identity,
// dropout, lrn and batchnorm. Only batchnorm has parameters: `2·C` trainable (scale and shift,
// when `affine`) and `2·C` buffers (running mean and variance, the Keras "non-trainable" count;
// PyTorch's scalar `num_batches_tracked` counter is not counted, as torchinfo does not either).
import { boolArg } from '../shapes/read-args.js';
import { checkRank, inputShape } from '../shapes/shape-diagnostics.js';
import type { InferRule } from './types.js';

const noCost = { params: 0, buffers: 0, macs: 0 };

/** Any shape in, the same shape out, no cost: activations, softmax, identity, dropout. */
export const inferSameShape: InferRule = (ctx) => ({ shape: inputShape(ctx), cost: noCost });

/** `lrn` normalises across channels, so it needs a channel dimension and one spatial one. */
export const inferLrn: InferRule = (ctx) => {
  if (!checkRank(ctx, 2, Infinity, '[channels, …spatial]')) return undefined;
  return { shape: inputShape(ctx), cost: noCost };
};

/**
 * `batchnorm` over the first dimension (channels, or features of a 1-D input, like PyTorch's
 * `BatchNorm1d/2d/3d`).
 */
export const inferBatchnorm: InferRule = (ctx) => {
  const shape = inputShape(ctx);
  if (!checkRank(ctx, 1, Infinity, '[channels, …]')) return undefined;
  const channels = shape[0];
  const affine = boolArg(ctx.node, 'affine', true);
  return {
    shape,
    cost: { params: affine ? 2 * channels : 0, buffers: 2 * channels, macs: 0 },
  };
};
