// Layers that reshape or join values: pad, add and concat.
import { inferAdd, inferConcat, inferPad } from './structure-rules.js';
import type { LayerSpec } from './types.js';

export const pad: LayerSpec = {
  name: 'pad',
  doc: 'explicit padding layer',
  args: [
    {
      name: 'sides',
      type: { kind: 'pad', modes: false },
      doc: 'an int, one per dimension, or `[top, bottom, left, right]`',
    },
    {
      name: 'mode',
      type: { kind: 'enum', values: ['zeros', 'reflect', 'replicate', 'circular'] },
      default: { symbol: 'zeros' },
      doc: 'how padding is filled',
    },
  ],
  inputs: 'one',
  infer: inferPad,
};

export const add: LayerSpec = {
  name: 'add',
  doc: 'elementwise sum of values of equal shape',
  args: [],
  inputs: 'many',
  infer: inferAdd,
};

export const concat: LayerSpec = {
  name: 'concat',
  doc: 'concatenation along channels of values with equal other dimensions',
  args: [],
  inputs: 'many',
  infer: inferConcat,
};
