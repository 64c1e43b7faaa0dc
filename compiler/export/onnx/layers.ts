// One cnnc layer to ONNX nodes (opset 17), by op name. Most layers are one node; `separable` is
// two Convs, `gelu` the erf formula, `silu` Sigmoid·x, a convolution with a reflect/replicate
// `pad_mode` a Pad then the Conv, and `dropout`/`identity` no node at all (the inference graph
// skips them). A layer ONNX cannot express returns the reason, which the exporter reports as
// CNN4010. Convolutions and pooling are in ./convolutions.ts.
import type { GraphNode } from '../../ir/graph.js';
import { padArg } from '../../shapes/read-args.js';
import { argChoice, argNumber } from '../../layers/args.js';
import { conv, convtranspose, pool, separable } from './convolutions.js';
import { floatAttr, intAttr, type AttributeProto } from './proto.js';
import {
  bindOut,
  input,
  optional,
  out,
  padNode,
  PAD_MODES,
  param,
  type Translate,
} from './translate.js';

const batchnorm: Translate = (b, layer) => {
  const channels = layer.node.shape?.[0] ?? 1;
  const scale =
    param(b, layer, 'weight') ??
    b.floatConstant(`${layer.prefix}/ones`, [channels], new Float32Array(channels).fill(1));
  const shift =
    param(b, layer, 'bias') ??
    b.floatConstant(`${layer.prefix}/zeros`, [channels], new Float32Array(channels));
  const stats = [param(b, layer, 'running_mean'), param(b, layer, 'running_var')] as string[];
  b.add(
    layer.node,
    'BatchNormalization',
    out(layer),
    [input(b, layer), scale, shift, ...stats],
    out(layer),
    [
      floatAttr('epsilon', argNumber(layer.node, 'eps')),
      // ONNX's momentum weighs the old running value; PyTorch's the new batch statistic.
      floatAttr('momentum', 1 - argNumber(layer.node, 'momentum')),
    ],
  );
  return bindOut(b, layer);
};

/**
 * `normalize`: Sub then Div by the buffers `mean` and `std`, as initializers of shape `[C, 1, …]`
 * (one 1 per spatial dimension) so that they broadcast over `[N, C, …]`.
 */
const normalize: Translate = (b, layer) => {
  const shape = layer.node.shape ?? [1];
  const dims = [shape[0], ...shape.slice(1).map(() => 1)];
  const mean = b.weight(`${layer.prefix}.mean`, dims);
  const std = b.weight(`${layer.prefix}.std`, dims);
  const centred = b.add(
    layer.node,
    'Sub',
    out(layer, '/sub'),
    [input(b, layer), mean],
    out(layer, '/sub'),
  );
  b.add(layer.node, 'Div', out(layer), [centred, std], out(layer));
  return bindOut(b, layer);
};

const lrn: Translate = (b, layer) => {
  const size = argNumber(layer.node, 'size');
  if (size % 2 === 0)
    return `ONNX LRN centres an even window of ${size} channels one channel later than PyTorch does`;
  b.add(layer.node, 'LRN', out(layer), [input(b, layer)], out(layer), [
    intAttr('size', size),
    floatAttr('alpha', argNumber(layer.node, 'alpha')),
    floatAttr('beta', argNumber(layer.node, 'beta')),
    floatAttr('bias', argNumber(layer.node, 'k')),
  ]);
  return bindOut(b, layer);
};

const linear: Translate = (b, layer) => {
  const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
  b.add(layer.node, 'Gemm', out(layer), [input(b, layer), ...weights], out(layer), [
    intAttr('transB', 1),
  ]);
  return bindOut(b, layer);
};

const padLayer: Translate = (b, layer) => {
  const mode = argChoice(layer.node, 'mode');
  const padMode = PAD_MODES[mode];
  if (!padMode) return `ONNX opset 17 has no \`${mode}\` padding (Pad's \`wrap\` came in opset 19)`;
  const count = (layer.inputs[0].shape?.length ?? 1) - 1;
  const ctx = { node: layer.node, inputs: layer.inputs, report: () => undefined };
  const sides = padArg(ctx, 'sides', count);
  if (sides?.kind !== 'explicit') throw new Error('internal error: `pad` without explicit sides');
  padNode(b, layer, input(b, layer), sides.sides, padMode, '');
  return bindOut(b, layer);
};

/** A node with one input and no weights. */
function simple(
  opType: string,
  attrs: (node: GraphNode) => AttributeProto[] = () => [],
): Translate {
  return (b, layer) => {
    b.add(layer.node, opType, out(layer), [input(b, layer)], out(layer), attrs(layer.node));
    return bindOut(b, layer);
  };
}

const alias: Translate = (b, layer) => {
  b.bind(layer.node.id, input(b, layer));
  return undefined;
};

const relu6: Translate = (b, layer) => {
  b.add(layer.node, 'Clip', out(layer), [input(b, layer), b.scalar(0), b.scalar(6)], out(layer));
  return bindOut(b, layer);
};

/** `gelu(x) = x · (1 + erf(x / √2)) / 2`, as PyTorch's exact form (ONNX's Gelu is opset 20). */
const gelu: Translate = (b, layer) => {
  const x = input(b, layer);
  const n = layer.node;
  const scaled = b.add(n, 'Div', out(layer, '/div'), [x, b.scalar(Math.SQRT2)], out(layer, '/div'));
  const erf = b.add(n, 'Erf', out(layer, '/erf'), [scaled], out(layer, '/erf'));
  const plus = b.add(n, 'Add', out(layer, '/add'), [erf, b.scalar(1)], out(layer, '/add'));
  const times = b.add(n, 'Mul', out(layer, '/mul'), [x, plus], out(layer, '/mul'));
  b.add(n, 'Mul', out(layer), [times, b.scalar(0.5)], out(layer));
  return bindOut(b, layer);
};

const silu: Translate = (b, layer) => {
  const x = input(b, layer);
  const gate = b.add(layer.node, 'Sigmoid', out(layer, '/sigmoid'), [x], out(layer, '/sigmoid'));
  b.add(layer.node, 'Mul', out(layer), [x, gate], out(layer));
  return bindOut(b, layer);
};

const join =
  (opType: string): Translate =>
  (b, layer) => {
    const xs = layer.inputs.map((value) => b.tensor(value.id));
    const type = opType === 'Add' && xs.length > 2 ? 'Sum' : opType;
    const attrs = type === 'Concat' ? [intAttr('axis', 1)] : [];
    b.add(layer.node, type, out(layer), xs, out(layer), attrs);
    return bindOut(b, layer);
  };

const alphaAttr = (node: GraphNode) => [floatAttr('alpha', argNumber(node, 'alpha'))];

/** Every layer the exporter knows, by canonical op name. */
export const TRANSLATIONS: Readonly<Record<string, Translate>> = {
  conv,
  conv1d: conv,
  conv3d: conv,
  depthwise: conv,
  separable,
  convtranspose,
  maxpool: pool,
  avgpool: pool,
  lppool: pool,
  batchnorm,
  normalize,
  lrn,
  dropout: alias,
  identity: alias,
  linear,
  flatten: simple('Flatten', () => [intAttr('axis', 1)]),
  pad: padLayer,
  add: join('Add'),
  concat: join('Concat'),
  relu: simple('Relu'),
  relu6,
  sigmoid: simple('Sigmoid'),
  tanh: simple('Tanh'),
  gelu,
  silu,
  hardswish: simple('HardSwish'),
  softmax: simple('Softmax', () => [intAttr('axis', 1)]),
  leaky_relu: simple('LeakyRelu', alphaAttr),
  elu: simple('Elu', alphaAttr),
};
