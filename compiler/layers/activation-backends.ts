// The plans and ONNX translations of the activations (./activation.ts): the gpu.js `activation`
// kernel (or `elementwiseChain` when later activations fused into it), and ONNX's nodes (`gelu`
// as the erf formula, `silu` as Sigmoid·x, `relu6` as Clip).
import type { GraphNode } from '../ir/graph.js';
import { sizeOf } from '../ir/geometry.js';
import { argNumber } from './args.js';
import { activationKind } from './fused-activation.js';
import { kernelCall, type LayerContext, type LayerPlan } from '../emit/target.js';
import type { OnnxBuilder } from '../export/onnx/builder.js';
import { floatAttr, type AttributeProto } from '../export/onnx/proto.js';
import { bindOut, input, out, type LayerInput, type Translate } from '../export/onnx/translate.js';

/** An elementwise activation, with the activations fused after it (`node.epilogue`). */
export function planElementwise(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const features = sizeOf(node.shape ?? []);
  const head = {
    kind: activationKind(node.op),
    ...(node.args.alpha ? { alpha: argNumber(node, 'alpha') } : {}),
  };
  const rest = (node.epilogue ?? []).map((step) =>
    step.alpha !== undefined
      ? { kind: activationKind(step.op), alpha: step.alpha }
      : { kind: activationKind(step.op) },
  );
  if (rest.length === 0)
    return { kind: 'kernels', calls: [kernelCall('activation', { features, ...head })] };
  const chain = kernelCall('elementwiseChain', { features, steps: [head, ...rest] });
  return { kind: 'kernels', calls: [chain] };
}

/** A node with one input and no weights. */
export function simpleOnnx(
  opType: string,
  attrs: (node: GraphNode) => AttributeProto[] = () => [],
): Translate {
  return (b, layer) => {
    b.add(layer.node, opType, out(layer), [input(b, layer)], out(layer), attrs(layer.node));
    return bindOut(b, layer);
  };
}

/** No ONNX node: the layer's value is its input's (inference `dropout` and `identity`). */
export const aliasOnnx: Translate = (b, layer) => {
  b.bind(layer.node.id, input(b, layer));
  return undefined;
};

/** `relu6` as Clip(0, 6). */
export const relu6Onnx: Translate = (b, layer) => {
  b.add(layer.node, 'Clip', out(layer), [input(b, layer), b.scalar(0), b.scalar(6)], out(layer));
  return bindOut(b, layer);
};

/** `gelu(x) = x · (1 + erf(x / √2)) / 2`, as PyTorch's exact form (ONNX's Gelu is opset 20). */
export const geluOnnx: Translate = (b: OnnxBuilder, layer: LayerInput) => {
  const x = input(b, layer);
  const n = layer.node;
  const scaled = b.add(n, 'Div', out(layer, '/div'), [x, b.scalar(Math.SQRT2)], out(layer, '/div'));
  const erf = b.add(n, 'Erf', out(layer, '/erf'), [scaled], out(layer, '/erf'));
  const plus = b.add(n, 'Add', out(layer, '/add'), [erf, b.scalar(1)], out(layer, '/add'));
  const times = b.add(n, 'Mul', out(layer, '/mul'), [x, plus], out(layer, '/mul'));
  b.add(n, 'Mul', out(layer), [times, b.scalar(0.5)], out(layer));
  return bindOut(b, layer);
};

/** `silu(x) = x · sigmoid(x)`. */
export const siluOnnx: Translate = (b, layer) => {
  const x = input(b, layer);
  const gate = b.add(layer.node, 'Sigmoid', out(layer, '/sigmoid'), [x], out(layer, '/sigmoid'));
  b.add(layer.node, 'Mul', out(layer), [x, gate], out(layer));
  return bindOut(b, layer);
};

/** The `alpha` attribute of LeakyRelu and Elu. */
export const alphaAttr = (node: GraphNode): AttributeProto[] => [
  floatAttr('alpha', argNumber(node, 'alpha')),
];
