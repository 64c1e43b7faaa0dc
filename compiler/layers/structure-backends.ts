// The plans and exports of ./structure.ts: `pad` (the gpu.js pad kernel on 1- and 2-D inputs,
// ONNX Pad, PyTorch's F.pad in a `Pad` module), and the joins `add` and `concat`.
import { padArg } from '../shapes/read-args.js';
import { sizeOf } from '../ir/geometry.js';
import { argChoice } from './args.js';
import { withActivation } from './fused-activation.js';
import { plainGradient } from './gradients.js';
import { asPlanes } from './pool-gpujs.js';
import type { PadMode } from '../../contract/descriptors.js';
import { kernelCall, type LayerContext, type LayerPlan } from '../emit/target.js';
import { intAttr } from '../export/onnx/proto.js';
import {
  bindOut,
  input,
  noPadMode,
  out,
  padNode,
  PAD_MODES,
  type Translate,
} from '../export/onnx/translate.js';
import { noModule, padSides, TORCH_PAD_MODES } from '../export/pytorch/module-helpers.js';
import type { LayerBackends } from './types.js';

function planPad(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const inShape = ctx.inputs[0].shape ?? [];
  const outShape = node.shape ?? [];
  const planes = asPlanes(inShape);
  const out = asPlanes(outShape);
  if (!planes || !out)
    return { kind: 'unsupported', reason: `\`pad\` runs on 1-D and 2-D inputs only` };
  // The output shape fixes the totals; the explicit sides give how they split.
  const sides = node.args.sides;
  const values =
    sides && (sides.kind === 'list' || sides.kind === 'tuple')
      ? sides.items.map((v) => (v.kind === 'int' ? v.value : 0))
      : [];
  const single = sides?.kind === 'int' ? sides.value : undefined;
  const loOf = (dim: number, total: number): number => {
    if (single !== undefined) return single;
    if (sides?.kind === 'list') return values[2 * dim];
    return sides?.kind === 'tuple' ? values[dim] : total / 2;
  };
  const twoD = inShape.length === 3;
  const totalH = out[1] - planes[1];
  const totalW = out[2] - planes[2];
  const top = twoD ? loOf(0, totalH) : 0;
  const left = loOf(twoD ? 1 : 0, totalW);
  const desc = {
    channels: planes[0],
    inHeight: planes[1],
    inWidth: planes[2],
    padTop: top,
    padBottom: totalH - top,
    padLeft: left,
    padRight: totalW - left,
    mode: argChoice(node, 'mode') as PadMode,
  };
  return { kind: 'kernels', calls: [kernelCall('pad', desc)] };
}

/** `pad(sides, mode)`. */
export const padBackends: LayerBackends<'pad'> = {
  gpujs: planPad,
  gradients: { pad: plainGradient('padGrad', 'none') },
  onnx: (b, layer) => {
    const mode = argChoice(layer.node, 'mode');
    const padMode = PAD_MODES[mode];
    if (!padMode) return noPadMode(mode);
    const count = (layer.inputs[0].shape?.length ?? 1) - 1;
    const ctx = { node: layer.node, inputs: layer.inputs, report: () => undefined };
    const sides = padArg(ctx, 'sides', count);
    if (sides?.kind !== 'explicit') throw new Error('internal error: `pad` without explicit sides');
    padNode(b, layer, input(b, layer), sides.sides, padMode, '');
    return bindOut(b, layer);
  },
  pytorch: (node, input) => {
    const dims = (input.shape ?? []).length - 1;
    const padding = padArg({ node, inputs: [input], report: () => undefined }, 'sides', dims);
    if (!padding || padding.kind !== 'explicit') return noModule('its sides do not fit its input');
    const sides = padSides(padding.sides);
    const mode = TORCH_PAD_MODES[argChoice(node, 'mode')] ?? 'constant';
    return {
      code: `Pad(${sides}${mode === 'constant' ? '' : `, mode="${mode}"`})`,
      helpers: ['Pad'],
    };
  },
};

/** A join of the node's inputs: Add (Sum for more than two) or Concat along channels. */
function joinOnnx(opType: 'Add' | 'Concat'): Translate {
  return (b, layer) => {
    const xs = layer.inputs.map((value) => b.tensor(value.id));
    const type = opType === 'Add' && xs.length > 2 ? 'Sum' : opType;
    const attrs = type === 'Concat' ? [intAttr('axis', 1)] : [];
    b.add(layer.node, type, out(layer), xs, out(layer), attrs);
    return bindOut(b, layer);
  };
}

/** `add`: the elementwise sum, with a fused activation. */
export const addBackends: LayerBackends<'add'> = {
  gpujs: (ctx) => {
    const features = sizeOf(ctx.node.shape ?? []);
    const desc = withActivation({ features, inputs: ctx.node.inputs.length }, ctx.node);
    return { kind: 'kernels', calls: [kernelCall('add', desc)] };
  },
  gradients: {
    add: { grad: 'addGrad', saved: 'inputs', result: 'inputs', paramGrads: [], inputOption: false },
  },
  onnx: joinOnnx('Add'),
  pytorch: () => ({ code: 'Add()', helpers: ['Add'] }),
};

/** `concat`: along channels. */
export const concatBackends: LayerBackends<'concat'> = {
  gpujs: (ctx) => {
    const desc = {
      channels: ctx.inputs.map((input) => (input.shape ?? [])[0]),
      spatial: sizeOf((ctx.node.shape ?? []).slice(1)),
    };
    return { kind: 'kernels', calls: [kernelCall('concat', desc)] };
  },
  gradients: {
    concat: {
      grad: 'concatGrad',
      saved: 'none',
      result: 'inputs',
      paramGrads: [],
      inputOption: false,
    },
  },
  onnx: joinOnnx('Concat'),
  pytorch: () => ({ code: 'Concat()', helpers: ['Concat'] }),
};
