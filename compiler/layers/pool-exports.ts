// Pooling (./pool.ts) in the exports: ONNX Max/Average/LpPool with their global forms and the
// adaptive pools whose windows are all equal, and PyTorch's `nn.*Pool*d` modules.
import type { GraphNode } from '../ir/graph.js';
import { windowGeometry } from '../ir/geometry.js';
import { spatialArg } from '../shapes/read-args.js';
import { argBool, argNumber, argSymbol } from './args.js';
import { intAttr, intsAttr, type AttributeProto } from '../export/onnx/proto.js';
import {
  bindOut,
  geometryOf,
  input,
  out,
  windowAttrs,
  type LayerInput,
  type Translate,
  type Unexportable,
} from '../export/onnx/translate.js';
import { keywords, noModule, symmetric } from '../export/pytorch/module-helpers.js';
import { pythonBool, pythonNumber, sizeLiteral } from '../export/pytorch/python.js';
import type { PytorchModule } from './types.js';

const ADAPTIVE_HINT =
  'choose an `adaptive` size that divides the input size, or a fixed `kernel` and `stride`';
const LP_HINT = 'use an even integer `p` and `ceil=false`';

/** `avgpool(adaptive=…)` as a plain pool, when every input size is a multiple of the output's. */
function adaptiveWindow(layer: LayerInput): number[] | Unexportable {
  const inner = (layer.inputs[0].shape ?? []).slice(1);
  const outer = (layer.node.shape ?? []).slice(1);
  const bad = inner.findIndex((size, idx) => size % outer[idx] !== 0);
  if (bad < 0) return inner.map((size, idx) => size / outer[idx]);
  return {
    reason:
      `ONNX has no adaptive pooling, and ${inner[bad]} does not divide into ${outer[bad]} equal ` +
      `windows (adaptive windows of unequal size)`,
    hint: ADAPTIVE_HINT,
  };
}

const POOLS: Record<string, [string, string]> = {
  maxpool: ['MaxPool', 'GlobalMaxPool'],
  avgpool: ['AveragePool', 'GlobalAveragePool'],
  lppool: ['LpPool', 'GlobalLpPool'],
};

/** The ONNX pool of `maxpool`, `avgpool` and `lppool`. */
export const poolOnnx: Translate = (b, layer) => {
  const { node } = layer;
  const [local, global] = POOLS[node.op];
  const p = node.op === 'lppool' ? argNumber(node, 'p') : 2;
  if (node.op === 'lppool' && !(Number.isInteger(p) && p % 2 === 0))
    return {
      reason: `ONNX LpPool raises |x| to an integer power, which equals x^${p} only for even integers`,
      hint: LP_HINT,
    };
  const pAttr = node.op === 'lppool' ? [intAttr('p', p)] : [];
  if (argSymbol(node, 'kernel') === 'global') {
    b.add(node, global, out(layer), [input(b, layer)], out(layer), pAttr);
    return bindOut(b, layer);
  }
  let attrs: AttributeProto[];
  if (node.args.adaptive) {
    const window = adaptiveWindow(layer);
    if (!Array.isArray(window)) return window;
    const zeros = window.map(() => 0);
    attrs = [
      intsAttr('kernel_shape', window),
      intsAttr('strides', window),
      intsAttr('pads', [...zeros, ...zeros]),
    ];
  } else {
    const ceil = argBool(node, 'ceil');
    if (ceil && node.op === 'lppool')
      return { reason: 'ONNX LpPool has no `ceil_mode` before opset 18', hint: LP_HINT };
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

const POOL_NAMES: Record<string, string> = { maxpool: 'Max', avgpool: 'Avg', lppool: 'LP' };

function globalOrAdaptive(node: GraphNode, input: GraphNode, dims: number): PytorchModule {
  const kind = POOL_NAMES[node.op];
  if (node.op === 'lppool') return noModule('PyTorch has no adaptive power-average pooling');
  const sizes =
    argSymbol(node, 'kernel') === 'global'
      ? Array<number>(dims).fill(1)
      : spatialArg({ node, inputs: [input], report: () => undefined }, 'adaptive', dims, 1);
  if (!sizes) return noModule('its `adaptive` sizes do not fit its input');
  return { code: `nn.Adaptive${kind}Pool${dims}d(${sizeLiteral(sizes)})` };
}

/** The PyTorch module of `maxpool`, `avgpool` and `lppool`. */
export function poolModule(node: GraphNode, input: GraphNode): PytorchModule {
  const dims = (input.shape ?? []).length - 1;
  const kind = POOL_NAMES[node.op];
  if (dims < 1 || dims > 3) return noModule(`PyTorch has no ${dims}-D pooling`);
  if (argSymbol(node, 'kernel') === 'global' || node.args.adaptive)
    return globalOrAdaptive(node, input, dims);
  const geometry = windowGeometry(node, input);
  if (!geometry) return noModule('its window arguments do not fit its input');
  if (!symmetric(geometry))
    return noModule('PyTorch pools pad both sides alike', 'give one padding per dimension');
  const padding = sizeLiteral(geometry.pads.map((pad) => pad.lo));
  const ceil = pythonBool(argBool(node, 'ceil'));
  const kernel = sizeLiteral(geometry.kernel);
  const stride = sizeLiteral(geometry.stride);
  if (node.op === 'lppool') {
    if (dims > 2) return noModule('PyTorch has no 3-D power-average pooling');
    if (padding !== '0') return noModule('PyTorch power-average pooling takes no padding');
    const p = pythonNumber(argNumber(node, 'p'));
    const rest = keywords([['ceil_mode', ceil, 'False']]);
    return { code: `nn.LPPool${dims}d(${[p, kernel, `stride=${stride}`, ...rest].join(', ')})` };
  }
  const countIncludePad: [string, string, string][] =
    node.op === 'avgpool'
      ? [['count_include_pad', pythonBool(argBool(node, 'count_include_pad')), 'True']]
      : [];
  const rest = keywords([
    ['stride', stride, kernel],
    ['padding', padding, '0'],
    ['ceil_mode', ceil, 'False'],
    ...countIncludePad,
  ]);
  return { code: `nn.${kind}Pool${dims}d(${[kernel, ...rest].join(', ')})` };
}
