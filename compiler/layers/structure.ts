// Layers that reshape or join values: pad, add and concat. Their plans and exports are in
// ./structure-backends.ts.
import { addBackends, concatBackends, padBackends } from './structure-backends.js';
import { inferAdd, inferConcat, inferPad } from './structure-rules.js';
import { defineLayer } from './types.js';

export const pad = defineLayer({
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
  params: 'none',
  backends: padBackends,
  noWasmBackward: 'it has no WebAssembly backward yet',
});

export const add = defineLayer({
  name: 'add',
  doc: 'elementwise sum of values of equal shape',
  args: [],
  inputs: 'many',
  infer: inferAdd,
  params: 'none',
  traits: { fusesActivation: true },
  backends: addBackends,
});

export const concat = defineLayer({
  name: 'concat',
  doc: 'concatenation along channels of values with equal other dimensions',
  args: [],
  inputs: 'many',
  infer: inferConcat,
  params: 'none',
  backends: concatBackends,
  noWasmBackward: 'it has no WebAssembly backward yet',
});
