// Elementwise activations, softmax and identity. Their gpu.js plan and the ONNX translations they
// need beyond one node are in ./activation-backends.ts.
import type { GraphNode } from '../ir/graph.js';
import { sizeOf } from '../ir/geometry.js';
import { kernelCall } from '../emit/target.js';
import { intAttr } from '../export/onnx/proto.js';
import type { Translate } from '../export/onnx/translate.js';
import { pythonNumber } from '../export/pytorch/python.js';
import {
  aliasOnnx,
  alphaAttr,
  geluOnnx,
  planElementwise,
  relu6Onnx,
  siluOnnx,
  simpleOnnx,
} from './activation-backends.js';
import { argNumber } from './args.js';
import { inferSameShape } from './elementwise-rules.js';
import { ACTIVATION_GRADIENTS, plainGradient } from './gradients.js';
import { defineLayer, type ArgSpec } from './types.js';

/**
 * An elementwise activation without arguments, or with the one `alpha`: it fuses as an epilogue,
 * runs on the `activation` kernel, and is one ONNX translation and one PyTorch module.
 */
function elementwise<const N extends string>(
  name: N,
  doc: string,
  exports: {
    onnx: Translate;
    pytorch: (node: GraphNode) => string;
    alpha?: ArgSpec;
    /** Needs exp/erf: the wasm target runs it on its vector kernel (LayerTraits.transcendental). */
    transcendental?: true;
  },
) {
  return defineLayer({
    name,
    doc,
    args: exports.alpha ? [exports.alpha] : [],
    inputs: 'one',
    infer: inferSameShape,
    params: 'none',
    traits: { elementwise: true, ...(exports.transcendental ? { transcendental: true } : {}) },
    backends: {
      gpujs: planElementwise,
      gradients: ACTIVATION_GRADIENTS,
      onnx: exports.onnx,
      pytorch: (node) => ({ code: exports.pytorch(node) }),
    },
  });
}

const alpha = (node: GraphNode) => pythonNumber(argNumber(node, 'alpha'));

export const relu = elementwise('relu', '`max(0, x)`', {
  onnx: simpleOnnx('Relu'),
  pytorch: () => 'nn.ReLU()',
});
export const relu6 = elementwise('relu6', '`min(max(0, x), 6)`', {
  onnx: relu6Onnx,
  pytorch: () => 'nn.ReLU6()',
});
export const sigmoid = elementwise('sigmoid', '`1 / (1 + e^−x)`', {
  onnx: simpleOnnx('Sigmoid'),
  transcendental: true,
  pytorch: () => 'nn.Sigmoid()',
});
export const tanh = elementwise('tanh', 'hyperbolic tangent', {
  onnx: simpleOnnx('Tanh'),
  transcendental: true,
  pytorch: () => 'nn.Tanh()',
});
export const gelu = elementwise('gelu', 'Gaussian error linear unit (exact, erf form)', {
  onnx: geluOnnx,
  transcendental: true,
  pytorch: () => 'nn.GELU()',
});
export const silu = elementwise('silu', '`x · sigmoid(x)` (swish)', {
  onnx: siluOnnx,
  transcendental: true,
  pytorch: () => 'nn.SiLU()',
});
export const hardswish = elementwise('hardswish', '`x · relu6(x + 3) / 6`', {
  onnx: simpleOnnx('HardSwish'),
  pytorch: () => 'nn.Hardswish()',
});

export const softmax = defineLayer({
  name: 'softmax',
  doc: 'softmax over channels (features for 1-D inputs)',
  args: [],
  inputs: 'one',
  infer: inferSameShape,
  params: 'none',
  noWasmBackward: 'it has no WebAssembly backward yet',
  backends: {
    gpujs: (ctx) => {
      const shape = ctx.node.shape ?? [];
      const desc = { channels: shape[0], spatial: sizeOf(shape.slice(1)) };
      return { kind: 'kernels', calls: [kernelCall('softmax', desc)] };
    },
    gradients: { softmax: plainGradient('softmaxGrad', 'output') },
    onnx: simpleOnnx('Softmax', () => [intAttr('axis', 1)]),
    pytorch: () => ({ code: 'nn.Softmax(dim=1)' }),
  },
});

export const identity = defineLayer({
  name: 'identity',
  doc: 'passes its input through',
  args: [],
  inputs: 'one',
  infer: inferSameShape,
  params: 'none',
  traits: { noOpAtInference: true },
  backends: {
    gpujs: (ctx) => {
      const features = sizeOf(ctx.node.shape ?? []);
      return { kind: 'kernels', calls: [kernelCall('activation', { features, kind: 'identity' })] };
    },
    gradients: { activation: ACTIVATION_GRADIENTS.activation },
    onnx: aliasOnnx,
    pytorch: () => ({ code: 'nn.Identity()' }),
  },
});

export const leakyRelu = elementwise('leaky_relu', '`x` if positive, else `alpha · x`', {
  alpha: { name: 'alpha', type: { kind: 'float' }, default: 0.01, doc: 'negative slope' },
  onnx: simpleOnnx('LeakyRelu', alphaAttr),
  pytorch: (node) => `nn.LeakyReLU(${alpha(node)})`,
});

export const elu = elementwise('elu', '`x` if positive, else `alpha · (e^x − 1)`', {
  alpha: { name: 'alpha', type: { kind: 'float' }, default: 1, doc: 'scale of the negative part' },
  onnx: simpleOnnx('Elu', alphaAttr),
  transcendental: true,
  pytorch: (node) => `nn.ELU(${alpha(node)})`,
});
