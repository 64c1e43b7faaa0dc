// Convolutions and pooling to ONNX: Conv (after a Pad node for reflect/replicate padding),
// the two Convs of `separable`, ConvTranspose, and Max/Average/LpPool with their global forms
// and the adaptive pools whose windows are all equal.
import { outputPadding } from '../../ir/geometry.js';
import { argChoice, argBool, argNumber, argSymbol } from '../../layers/args.js';
import type { OnnxBuilder } from './builder.js';
import { intAttr, intsAttr, type AttributeProto } from './proto.js';
import {
  bindOut,
  geometryOf,
  input,
  optional,
  out,
  padNode,
  PAD_MODES,
  param,
  windowAttrs,
  type LayerInput,
  type Translate,
} from './translate.js';

/** Conv writing `name`, after a Pad node when the padding is not zeros; a reason if impossible. */
function convNode(
  b: OnnxBuilder,
  layer: LayerInput,
  x: string,
  weights: string[],
  group: number,
  name: string,
): string | undefined {
  const g = geometryOf(layer);
  const mode = argChoice(layer.node, 'pad_mode');
  const padMode = PAD_MODES[mode];
  if (!padMode) return `ONNX opset 17 has no \`${mode}\` padding (Pad's \`wrap\` came in opset 19)`;
  const attrs = [intsAttr('dilations', g.dilation), intAttr('group', group)];
  if (mode === 'zeros') {
    b.add(layer.node, 'Conv', name, [x, ...weights], name, [...windowAttrs(g), ...attrs]);
    return undefined;
  }
  const padded = padNode(b, layer, x, g.pads, padMode, '/pad');
  b.add(layer.node, 'Conv', name, [padded, ...weights], name, [...windowAttrs(g, false), ...attrs]);
  return undefined;
}

export const conv: Translate = (b, layer) => {
  const groups = layer.node.op === 'depthwise' ? layer.inputs[0].shape?.[0] : undefined;
  const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
  const group = groups ?? argNumber(layer.node, 'groups');
  const reason = convNode(b, layer, input(b, layer), weights, group, out(layer));
  return reason ?? bindOut(b, layer);
};

export const separable: Translate = (b, layer) => {
  const channels = layer.inputs[0].shape?.[0] ?? 1;
  const depthwise = [param(b, layer, 'depthwise.weight') as string];
  const dw = out(layer, '/depthwise');
  const reason = convNode(b, layer, input(b, layer), depthwise, channels, dw);
  if (reason) return reason;
  const pointwise = optional(
    param(b, layer, 'pointwise.weight'),
    param(b, layer, 'pointwise.bias'),
  );
  b.add(layer.node, 'Conv', out(layer), [dw, ...pointwise], out(layer));
  return bindOut(b, layer);
};

export const convtranspose: Translate = (b, layer) => {
  const g = geometryOf(layer);
  const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
  b.add(layer.node, 'ConvTranspose', out(layer), [input(b, layer), ...weights], out(layer), [
    ...windowAttrs(g),
    intsAttr('dilations', g.dilation),
    intsAttr('output_padding', outputPadding(layer.node, g.kernel.length)),
    intAttr('group', argNumber(layer.node, 'groups')),
  ]);
  return bindOut(b, layer);
};

/** `avgpool(adaptive=…)` as a plain pool, when every input size is a multiple of the output's. */
function adaptiveWindow(layer: LayerInput): number[] | string {
  const inner = (layer.inputs[0].shape ?? []).slice(1);
  const outer = (layer.node.shape ?? []).slice(1);
  const bad = inner.findIndex((size, idx) => size % outer[idx] !== 0);
  if (bad < 0) return inner.map((size, idx) => size / outer[idx]);
  return (
    `ONNX has no adaptive pooling, and ${inner[bad]} does not divide into ${outer[bad]} equal ` +
    `windows (adaptive windows of unequal size)`
  );
}

const POOLS: Record<string, [string, string]> = {
  maxpool: ['MaxPool', 'GlobalMaxPool'],
  avgpool: ['AveragePool', 'GlobalAveragePool'],
  lppool: ['LpPool', 'GlobalLpPool'],
};

export const pool: Translate = (b, layer) => {
  const { node } = layer;
  const [local, global] = POOLS[node.op];
  const p = node.op === 'lppool' ? argNumber(node, 'p') : 2;
  if (node.op === 'lppool' && !(Number.isInteger(p) && p % 2 === 0))
    return `ONNX LpPool raises |x| to an integer power, which equals x^${p} only for even integers`;
  const pAttr = node.op === 'lppool' ? [intAttr('p', p)] : [];
  if (argSymbol(node, 'kernel') === 'global') {
    b.add(node, global, out(layer), [input(b, layer)], out(layer), pAttr);
    return bindOut(b, layer);
  }
  let attrs: AttributeProto[];
  if (node.args.adaptive) {
    const window = adaptiveWindow(layer);
    if (typeof window === 'string') return window;
    const zeros = window.map(() => 0);
    attrs = [
      intsAttr('kernel_shape', window),
      intsAttr('strides', window),
      intsAttr('pads', [...zeros, ...zeros]),
    ];
  } else {
    const ceil = argBool(node, 'ceil');
    if (ceil && node.op === 'lppool') return 'ONNX LpPool has no `ceil_mode` before opset 18';
    attrs = [
      ...windowAttrs(geometryOf(layer)),
      ...(node.op === 'lppool' ? [] : [intAttr('ceil_mode', ceil ? 1 : 0)]),
    ];
  }
  if (node.op === 'avgpool')
    attrs.push(intAttr('count_include_pad', argBool(node, 'count_include_pad') ? 1 : 0));
  b.add(node, local, out(layer), [input(b, layer)], out(layer), [...attrs, ...pAttr]);
  return bindOut(b, layer);
};
