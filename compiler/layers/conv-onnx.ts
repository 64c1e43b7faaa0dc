// The ONNX translations of the convolutions (./conv.ts): Conv (after a Pad node for
// reflect/replicate padding), the two Convs of `separable`, and ConvTranspose.
import { outputPadding } from '../ir/geometry.js';
import { argChoice, argNumber } from './args.js';
import type { OnnxBuilder } from '../export/onnx/builder.js';
import { intAttr, intsAttr } from '../export/onnx/proto.js';
import {
  bindOut,
  geometryOf,
  input,
  noPadMode,
  optional,
  out,
  padNode,
  PAD_MODES,
  param,
  windowAttrs,
  type LayerInput,
  type Translate,
  type Unexportable,
} from '../export/onnx/translate.js';

/** Conv writing `name`, after a Pad node when the padding is not zeros; a reason if impossible. */
function convNode(
  b: OnnxBuilder,
  layer: LayerInput,
  x: string,
  weights: string[],
  group: number,
  name: string,
): Unexportable | undefined {
  const g = geometryOf(layer);
  const mode = argChoice(layer.node, 'pad_mode');
  const padMode = PAD_MODES[mode];
  if (!padMode) return noPadMode(mode);
  const attrs = [intsAttr('dilations', g.dilation), intAttr('group', group)];
  if (mode === 'zeros') {
    b.add(layer.node, 'Conv', name, [x, ...weights], name, [...windowAttrs(g), ...attrs]);
    return undefined;
  }
  const padded = padNode(b, layer, x, g.pads, padMode, '/pad');
  b.add(layer.node, 'Conv', name, [padded, ...weights], name, [...windowAttrs(g, false), ...attrs]);
  return undefined;
}

/** `conv`, `conv1d`, `conv3d` and `depthwise` (`group` = input channels) as one Conv. */
export const convOnnx: Translate = (b, layer) => {
  const groups = layer.node.op === 'depthwise' ? layer.inputs[0].shape?.[0] : undefined;
  const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
  const group = groups ?? argNumber(layer.node, 'groups');
  const reason = convNode(b, layer, input(b, layer), weights, group, out(layer));
  return reason ?? bindOut(b, layer);
};

/** `separable`: the depthwise Conv (no bias), then the 1×1 pointwise Conv. */
export const separableOnnx: Translate = (b, layer) => {
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

/** `convtranspose` as ConvTranspose with its `output_padding`. */
export const convTransposeOnnx: Translate = (b, layer) => {
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
