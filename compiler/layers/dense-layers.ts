// Fully connected layers and reshapes: linear (alias fc) and flatten.
import { inferFlatten, inferLinear } from './dense-rules.js';
import type { LayerSpec } from './types.js';

export const linear: LayerSpec = {
  name: 'linear',
  aliases: ['fc'],
  doc: 'fully connected layer over a 1-D input',
  args: [
    { name: 'out', type: { kind: 'int', min: 1 }, doc: 'output features' },
    { name: 'bias', type: { kind: 'bool' }, default: true, doc: 'add a bias' },
  ],
  inputs: 'one',
  infer: inferLinear,
};

export const flatten: LayerSpec = {
  name: 'flatten',
  doc: 'reshape each sample to 1-D (`[C, H, W]` → `[C·H·W]`)',
  args: [],
  inputs: 'one',
  infer: inferFlatten,
};
