// What every layer translation shares: the layer as the exporter sees it, tensor and node names
// (`<state_dict prefix>/<op>`), parameters as initializers, window attributes, and the Pad node
// that non-zero padding needs before a Conv.
import type { GraphNode } from '../../ir/graph.js';
import type { ParamEntry } from '../../layers/types.js';
import { windowGeometry, type WindowGeometry } from '../../ir/geometry.js';
import type { OnnxBuilder } from './builder.js';
import { intsAttr, stringAttr, type AttributeProto } from './proto.js';

/** A layer with what its translation reads. */
export interface LayerInput {
  node: GraphNode;
  inputs: GraphNode[];
  /** The layer's `state_dict` prefix, e.g. `0.0`; node and tensor names start with it. */
  prefix: string;
  params: ParamEntry[];
}

/** ONNX Pad modes of cnnc's `pad_mode`/`mode` values (opset 17 has no `wrap`). */
export const PAD_MODES: Record<string, string | undefined> = {
  zeros: 'constant',
  reflect: 'reflect',
  replicate: 'edge',
};

/** Why ONNX cannot express a layer (the CNN4010 message), and what to change instead. */
export interface Unexportable {
  reason: string;
  hint: string;
}

/** Writes a layer's nodes; returns why ONNX cannot express it, or undefined when done. */
export type Translate = (b: OnnxBuilder, layer: LayerInput) => Unexportable | undefined;

/** The CNN4010 of a padding mode that opset 17 has no Pad mode for (`circular`). */
export function noPadMode(mode: string): Unexportable {
  return {
    reason: `ONNX opset 17 has no \`${mode}\` padding (Pad's \`wrap\` came in opset 19)`,
    hint: 'use `reflect`, `replicate` or `zeros` padding, which ONNX opset 17 has',
  };
}

/** The name of the layer's output tensor (and node): `<prefix>/<op><suffix>`. */
export function out(layer: LayerInput, suffix = ''): string {
  return `${layer.prefix}/${layer.node.op}${suffix}`;
}

/** The tensor holding the layer's `index`-th input. */
export function input(b: OnnxBuilder, layer: LayerInput, index = 0): string {
  return b.tensor(layer.inputs[index].id);
}

/** Adds the layer's parameter `name` (`weight`, `bias`, …) as an initializer, if it has one. */
export function param(b: OnnxBuilder, layer: LayerInput, name: string): string | undefined {
  const entry = layer.params.find((p) => p.name === `${layer.prefix}.${name}`);
  return entry && b.weight(entry.name, entry.shape);
}

/** `kernel_shape`, `strides` and `pads` (begin values, then end values; zeros when `pads` is false). */
export function windowAttrs(g: WindowGeometry, pads = true): AttributeProto[] {
  return [
    intsAttr('kernel_shape', g.kernel),
    intsAttr('strides', g.stride),
    intsAttr('pads', [
      ...g.pads.map((p) => (pads ? p.lo : 0)),
      ...g.pads.map((p) => (pads ? p.hi : 0)),
    ]),
  ];
}

/** The layer's window geometry; the shape rules guarantee it exists for a checked model. */
export function geometryOf(layer: LayerInput): WindowGeometry {
  const g = windowGeometry(layer.node, layer.inputs[0]);
  if (!g) throw new Error(`internal error: no window geometry for \`${layer.node.op}\``);
  return g;
}

/** Pads `x` on the spatial sides `g.pads` with a Pad node; returns the padded tensor. */
export function padNode(
  b: OnnxBuilder,
  layer: LayerInput,
  x: string,
  pads: readonly { lo: number; hi: number }[],
  mode: string,
  suffix: string,
): string {
  const all = [0, 0, ...pads.map((p) => p.lo), 0, 0, ...pads.map((p) => p.hi)];
  const padsName = b.int64Constant(`${layer.prefix}/pads`, all);
  const name = out(layer, suffix);
  return b.add(layer.node, 'Pad', name, [x, padsName], name, [stringAttr('mode', mode)]);
}

/** The names that are there (an optional bias drops out). */
export function optional(...names: (string | undefined)[]): string[] {
  return names.filter((name): name is string => name !== undefined);
}

/** Records the layer's output tensor as its value; the translation succeeded. */
export function bindOut(b: OnnxBuilder, layer: LayerInput): undefined {
  b.bind(layer.node.id, out(layer));
  return undefined;
}
