// Elementwise activations and softmax.
import { inferSameShape } from './elementwise-rules.js';
import { defineLayer, type LayerTraits } from './types.js';

const ELEMENTWISE: LayerTraits = { elementwise: true };
const TRANSCENDENTAL: LayerTraits = { elementwise: true, transcendental: true };

function activation<const N extends string>(name: N, doc: string, traits?: LayerTraits) {
  return defineLayer({
    name,
    doc,
    args: [],
    inputs: 'one',
    infer: inferSameShape,
    params: 'none',
    ...(traits ? { traits } : {}),
  });
}

export const relu = activation('relu', '`max(0, x)`', ELEMENTWISE);
export const relu6 = activation('relu6', '`min(max(0, x), 6)`', ELEMENTWISE);
export const sigmoid = activation('sigmoid', '`1 / (1 + e^−x)`', TRANSCENDENTAL);
export const tanh = activation('tanh', 'hyperbolic tangent', TRANSCENDENTAL);
export const gelu = activation(
  'gelu',
  'Gaussian error linear unit (exact, erf form)',
  TRANSCENDENTAL,
);
export const silu = activation('silu', '`x · sigmoid(x)` (swish)', TRANSCENDENTAL);
export const hardswish = activation('hardswish', '`x · relu6(x + 3) / 6`', ELEMENTWISE);
export const softmax = defineLayer({
  ...activation('softmax', 'softmax over channels (features for 1-D inputs)'),
  noWasmBackward: 'it has no WebAssembly backward yet',
});
export const identity = activation('identity', 'passes its input through', {
  noOpAtInference: true,
});

export const leakyRelu = defineLayer({
  name: 'leaky_relu',
  doc: '`x` if positive, else `alpha · x`',
  args: [{ name: 'alpha', type: { kind: 'float' }, default: 0.01, doc: 'negative slope' }],
  inputs: 'one',
  infer: inferSameShape,
  params: 'none',
  traits: ELEMENTWISE,
});

export const elu = defineLayer({
  name: 'elu',
  doc: '`x` if positive, else `alpha · (e^x − 1)`',
  args: [{ name: 'alpha', type: { kind: 'float' }, default: 1, doc: 'scale of the negative part' }],
  inputs: 'one',
  infer: inferSameShape,
  params: 'none',
  traits: TRANSCENDENTAL,
});
