// Elementwise activations and softmax.
import { inferSameShape } from './elementwise-rules.js';
import type { LayerSpec } from './types.js';

function activation(name: string, doc: string): LayerSpec {
  return { name, doc, args: [], inputs: 'one', infer: inferSameShape };
}

export const relu = activation('relu', '`max(0, x)`');
export const relu6 = activation('relu6', '`min(max(0, x), 6)`');
export const sigmoid = activation('sigmoid', '`1 / (1 + e^−x)`');
export const tanh = activation('tanh', 'hyperbolic tangent');
export const gelu = activation('gelu', 'Gaussian error linear unit (exact, erf form)');
export const silu = activation('silu', '`x · sigmoid(x)` (swish)');
export const hardswish = activation('hardswish', '`x · relu6(x + 3) / 6`');
export const softmax = activation('softmax', 'softmax over channels (features for 1-D inputs)');
export const identity = activation('identity', 'passes its input through');

export const leakyRelu: LayerSpec = {
  name: 'leaky_relu',
  doc: '`x` if positive, else `alpha · x`',
  args: [{ name: 'alpha', type: { kind: 'float' }, default: 0.01, doc: 'negative slope' }],
  inputs: 'one',
  infer: inferSameShape,
};

export const elu: LayerSpec = {
  name: 'elu',
  doc: '`x` if positive, else `alpha · (e^x − 1)`',
  args: [{ name: 'alpha', type: { kind: 'float' }, default: 1, doc: 'scale of the negative part' }],
  inputs: 'one',
  infer: inferSameShape,
};
