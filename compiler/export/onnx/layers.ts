// One cnnc layer to ONNX nodes (opset 17). Most layers are one node; `separable` is two Convs,
// `gelu` the erf formula, `silu` Sigmoid·x, a convolution with a reflect/replicate `pad_mode` a
// Pad then the Conv, and `dropout`/`identity` no node at all (the inference graph skips them).
// A layer ONNX cannot express returns the reason, which the exporter reports as CNN4010.
import type { GraphNode } from '../../ir/graph.js';
import type { ParamEntry } from '../../emit/param-names.js';
import { outputPadding, windowGeometry, type WindowGeometry } from '../../passes/geometry.js';
import { boolArg, numberArg, padArg, symbolArg } from '../../shapes/read-args.js';
import type { OnnxBuilder } from './builder.js';
import { floatAttr, intAttr, intsAttr, stringAttr, type AttributeProto } from './proto.js';

/** A layer with what its translation reads. */
export interface LayerInput {
  node: GraphNode;
  inputs: GraphNode[];
  /** The layer's `state_dict` prefix, e.g. `0.0`; node and tensor names start with it. */
  prefix: string;
  params: ParamEntry[];
}

/** ONNX Pad modes of cnnc's `pad_mode`/`mode` values (opset 17 has no `wrap`). */
const PAD_MODES: Record<string, string | undefined> = {
  zeros: 'constant',
  reflect: 'reflect',
  replicate: 'edge',
};

type Translate = (b: OnnxBuilder, layer: LayerInput) => string | undefined;

function out(layer: LayerInput, suffix = ''): string {
  return `${layer.prefix}/${layer.node.op}${suffix}`;
}

function input(b: OnnxBuilder, layer: LayerInput, index = 0): string {
  return b.tensor(layer.inputs[index].id);
}

function param(b: OnnxBuilder, layer: LayerInput, name: string): string | undefined {
  const entry = layer.params.find((p) => p.name === `${layer.prefix}.${name}`);
  return entry && b.weight(entry.name, entry.shape);
}

function windowAttrs(g: WindowGeometry, pads = true): AttributeProto[] {
  return [
    intsAttr('kernel_shape', g.kernel),
    intsAttr('strides', g.stride),
    intsAttr('pads', [
      ...g.pads.map((p) => (pads ? p.lo : 0)),
      ...g.pads.map((p) => (pads ? p.hi : 0)),
    ]),
  ];
}

function geometryOf(layer: LayerInput): WindowGeometry {
  const g = windowGeometry(layer.node, layer.inputs[0]);
  if (!g) throw new Error(`internal error: no window geometry for \`${layer.node.op}\``);
  return g;
}

/** Pads `x` on the spatial sides `g.pads` with a Pad node; returns the padded tensor. */
function padNode(
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
  const mode = symbolArg(layer.node, 'pad_mode') ?? 'zeros';
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

function optional(...names: (string | undefined)[]): string[] {
  return names.filter((name): name is string => name !== undefined);
}

const conv: Translate = (b, layer) => {
  const groups = layer.node.op === 'depthwise' ? layer.inputs[0].shape?.[0] : undefined;
  const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
  const group = groups ?? numberArg(layer.node, 'groups', 1);
  const reason = convNode(b, layer, input(b, layer), weights, group, out(layer));
  return reason ?? bindOut(b, layer);
};

const separable: Translate = (b, layer) => {
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

function bindOut(b: OnnxBuilder, layer: LayerInput): undefined {
  b.bind(layer.node.id, out(layer));
  return undefined;
}

const convtranspose: Translate = (b, layer) => {
  const g = geometryOf(layer);
  const weights = optional(param(b, layer, 'weight'), param(b, layer, 'bias'));
  b.add(layer.node, 'ConvTranspose', out(layer), [input(b, layer), ...weights], out(layer), [
    ...windowAttrs(g),
    intsAttr('dilations', g.dilation),
    intsAttr('output_padding', outputPadding(layer.node, g.kernel.length)),
    intAttr('group', numberArg(layer.node, 'groups', 1)),
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

const pool: Translate = (b, layer) => {
  const { node } = layer;
  const [local, global] = POOLS[node.op];
  const p = numberArg(node, 'p', 2);
  if (node.op === 'lppool' && !(Number.isInteger(p) && p % 2 === 0))
    return `ONNX LpPool raises |x| to an integer power, which equals x^${p} only for even integers`;
  const pAttr = node.op === 'lppool' ? [intAttr('p', p)] : [];
  if (symbolArg(node, 'kernel') === 'global') {
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
    const ceil = boolArg(node, 'ceil', false);
    if (ceil && node.op === 'lppool') return 'ONNX LpPool has no `ceil_mode` before opset 18';
    attrs = [
      ...windowAttrs(geometryOf(layer)),
      ...(node.op === 'lppool' ? [] : [intAttr('ceil_mode', ceil ? 1 : 0)]),
    ];
  }
  if (node.op === 'avgpool')
    attrs.push(intAttr('count_include_pad', boolArg(node, 'count_include_pad', true) ? 1 : 0));
  b.add(node, local, out(layer), [input(b, layer)], out(layer), [...attrs, ...pAttr]);
  return bindOut(b, layer);
};

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
      floatAttr('epsilon', numberArg(layer.node, 'eps', 1e-5)),
      // ONNX's momentum weighs the old running value; PyTorch's the new batch statistic.
      floatAttr('momentum', 1 - numberArg(layer.node, 'momentum', 0.1)),
    ],
  );
  return bindOut(b, layer);
};

const lrn: Translate = (b, layer) => {
  const size = numberArg(layer.node, 'size', 5);
  if (size % 2 === 0)
    return `ONNX LRN centres an even window of ${size} channels one channel later than PyTorch does`;
  b.add(layer.node, 'LRN', out(layer), [input(b, layer)], out(layer), [
    intAttr('size', size),
    floatAttr('alpha', numberArg(layer.node, 'alpha', 1e-4)),
    floatAttr('beta', numberArg(layer.node, 'beta', 0.75)),
    floatAttr('bias', numberArg(layer.node, 'k', 2)),
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
  const mode = symbolArg(layer.node, 'mode') ?? 'zeros';
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

const alphaAttr = (fallback: number) => (node: GraphNode) => [
  floatAttr('alpha', numberArg(node, 'alpha', fallback)),
];

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
  leaky_relu: simple('LeakyRelu', alphaAttr(0.01)),
  elu: simple('Elu', alphaAttr(1)),
};
