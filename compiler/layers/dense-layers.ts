// Fully connected layers and reshapes: linear (alias fc) and flatten.
import { inferFlatten, inferLinear } from './dense-rules.js';
import { defineLayer } from './types.js';
import { hasBias, outChannels, weightAndBias } from './params.js';

export const linear = defineLayer({
  name: 'linear',
  aliases: ['fc'],
  doc: 'fully connected layer over a 1-D input',
  args: [
    { name: 'out', type: { kind: 'int', min: 1 }, doc: 'output features' },
    { name: 'bias', type: { kind: 'bool' }, default: true, doc: 'add a bias' },
  ],
  inputs: 'one',
  infer: inferLinear,
  params: (ctx) =>
    weightAndBias(
      ctx.prefix,
      [outChannels(ctx), ctx.inShape.reduce((acc, dim) => acc * dim, 1)],
      hasBias(ctx.node),
      outChannels(ctx),
    ),
  traits: { fusesActivation: true, foldsBatchnorm: true, convLike: true },
});

export const flatten = defineLayer({
  name: 'flatten',
  doc: 'reshape each sample to 1-D (`[C, H, W]` → `[C·H·W]`)',
  args: [],
  inputs: 'one',
  infer: inferFlatten,
  params: 'none',
  traits: { aliasesInput: true },
});
