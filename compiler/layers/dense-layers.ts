// Fully connected layers and reshapes: linear (alias fc) and flatten, with their plans and exports.
import { inferFlatten, inferLinear } from './dense-rules.js';
import { defineLayer } from './types.js';
import { hasBias, outChannels, weightAndBias } from './params.js';
import { argBool } from './args.js';
import { withActivation } from './fused-activation.js';
import { weightedGradient } from './gradients.js';
import { sizeOf } from '../ir/geometry.js';
import { kernelCall } from '../emit/target.js';
import { intAttr } from '../export/onnx/proto.js';
import { bindOut, input, optional, out, param } from '../export/onnx/translate.js';
import { pythonNumber } from '../export/pytorch/python.js';
import { simpleOnnx } from './activation-backends.js';

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
  backends: {
    gpujs: (ctx) => {
      const outFeatures = (ctx.node.shape ?? [])[0];
      const sizes = { inFeatures: sizeOf(ctx.inputs[0].shape ?? []), outFeatures };
      const params = [ctx.param('weight'), ctx.param('bias')];
      return {
        kind: 'kernels',
        calls: [kernelCall('linear', withActivation(sizes, ctx.node), params)],
      };
    },
    gradients: { linear: weightedGradient('linearGrad') },
    onnx: (b, layer) => {
      const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
      b.add(layer.node, 'Gemm', out(layer), [input(b, layer), ...weights], out(layer), [
        intAttr('transB', 1),
      ]);
      return bindOut(b, layer);
    },
    pytorch: (node, input) => {
      const args = [pythonNumber(sizeOf(input.shape ?? [])), pythonNumber((node.shape ?? [])[0])];
      if (!argBool(node, 'bias')) args.push('bias=False');
      return { code: `nn.Linear(${args.join(', ')})` };
    },
  },
});

export const flatten = defineLayer({
  name: 'flatten',
  doc: 'reshape each sample to 1-D (`[C, H, W]` → `[C·H·W]`)',
  args: [],
  inputs: 'one',
  infer: inferFlatten,
  params: 'none',
  traits: { aliasesInput: true },
  backends: {
    gpujs: () => ({ kind: 'alias' }),
    gradients: {},
    onnx: simpleOnnx('Flatten', () => [intAttr('axis', 1)]),
    pytorch: () => ({ code: 'nn.Flatten()' }),
  },
});
