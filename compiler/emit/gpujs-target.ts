// The gpu.js target: maps each optimised node to kernel factories of `cnnc/runtime`. 1-D inputs
// run on the 2-D pooling and padding kernels with a unit height; global pooling of any rank runs
// on the adaptive kernel over the flattened spatial dimensions.
import { boolArg, numberArg, symbolArg } from '../shapes/read-args.js';
import { sizeOf, windowGeometry } from '../passes/geometry.js';
import { ELEMENTWISE_OPS, type OptNode } from '../passes/graph.js';
import { activationOf, planConv, planConvTranspose } from './gpujs-conv.js';
import type { KernelCall, LayerContext, LayerPlan, LiteralRecord, Target } from './target.js';

function kernels(...calls: KernelCall[]): LayerPlan {
  return { kind: 'kernels', calls };
}

function withActivation(desc: LiteralRecord, node: OptNode): LiteralRecord {
  const activation = activationOf(node);
  return activation ? { ...desc, activation } : desc;
}

/** `[channels, height, width]` of a 1- or 2-D value (1-D gets a unit height). */
function asPlanes(shape: readonly number[]): [number, number, number] | undefined {
  if (shape.length === 2) return [shape[0], 1, shape[1]];
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  return undefined;
}

function planPool(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const inShape = ctx.inputs[0].shape ?? [];
  const outShape = node.shape ?? [];
  const kind = node.op === 'maxpool' ? 'max' : node.op === 'avgpool' ? 'avg' : 'lp';
  const global = symbolArg(node, 'kernel') === 'global';
  if ((global || node.args.adaptive) && kind !== 'lp') {
    const planes = global ? [inShape[0], 1, sizeOf(inShape.slice(1))] : asPlanes(inShape);
    const out = global ? [outShape[0], 1, 1] : asPlanes(outShape);
    if (!planes || !out)
      return { kind: 'unsupported', reason: `adaptive pooling runs on 1-D and 2-D inputs only` };
    const desc = {
      kind,
      channels: planes[0],
      inHeight: planes[1],
      inWidth: planes[2],
      outHeight: out[1],
      outWidth: out[2],
    };
    return kernels({ factory: 'adaptivePool2d', descriptor: desc, params: [] });
  }
  const planes = asPlanes(inShape);
  const out = asPlanes(outShape);
  if (!planes || !out)
    return {
      kind: 'unsupported',
      reason: `pooling runs on 1-D and 2-D inputs only, found ${inShape.length - 1}-D`,
    };
  const geometry = global
    ? {
        kernel: inShape.slice(1),
        stride: inShape.slice(1),
        pads: inShape.slice(1).map(() => ({ lo: 0, hi: 0 })),
      }
    : windowGeometry(node, ctx.inputs[0]);
  if (!geometry)
    return { kind: 'unsupported', reason: 'its window arguments do not fit its input' };
  const twoD = inShape.length === 3;
  const pick = <T>(values: T[], unit: T): [T, T] =>
    twoD ? [values[0], values[1]] : [unit, values[0]];
  const [kh, kw] = pick(geometry.kernel, 1);
  const [sh, sw] = pick(geometry.stride, 1);
  const [ph, pw] = pick(geometry.pads, { lo: 0, hi: 0 });
  const desc: LiteralRecord = {
    kind,
    channels: planes[0],
    inHeight: planes[1],
    inWidth: planes[2],
    outHeight: out[1],
    outWidth: out[2],
    kernelHeight: kh,
    kernelWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    padTop: ph.lo,
    padBottom: ph.hi,
    padLeft: pw.lo,
    padRight: pw.hi,
    countIncludePad: boolArg(node, 'count_include_pad', true),
    p: numberArg(node, 'p', 2),
  };
  return kernels({ factory: 'pool2d', descriptor: desc, params: [] });
}

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
    mode: symbolArg(node, 'mode') ?? 'zeros',
  };
  return kernels({ factory: 'pad', descriptor: desc, params: [] });
}

function planElementwise(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const features = sizeOf(node.shape ?? []);
  const head = {
    kind: node.op,
    ...(node.args.alpha ? { alpha: numberArg(node, 'alpha', 0) } : {}),
  };
  const rest = (node.epilogue ?? []).map((step) =>
    step.alpha !== undefined ? { kind: step.op, alpha: step.alpha } : { kind: step.op },
  );
  if (rest.length === 0)
    return kernels({ factory: 'activation', descriptor: { features, ...head }, params: [] });
  return kernels({
    factory: 'elementwiseChain',
    descriptor: { features, steps: [head, ...rest] },
    params: [],
  });
}

function channelsAndSpatial(shape: readonly number[]): { channels: number; spatial: number } {
  return { channels: shape[0], spatial: sizeOf(shape.slice(1)) };
}

function planOther(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const shape = node.shape ?? [];
  const features = sizeOf(shape);
  switch (node.op) {
    case 'flatten':
      return { kind: 'alias' };
    case 'dropout':
      return kernels({
        factory: 'dropout',
        descriptor: { features, p: numberArg(node, 'p', 0.5) },
        params: [],
        takesBackend: false,
      });
    case 'identity':
      return kernels({
        factory: 'activation',
        descriptor: { features, kind: 'identity' },
        params: [],
      });
    case 'linear':
      return kernels({
        factory: 'linear',
        descriptor: withActivation(
          { inFeatures: sizeOf(ctx.inputs[0].shape ?? []), outFeatures: shape[0] },
          node,
        ),
        params: [ctx.param('weight'), ctx.param('bias')],
      });
    case 'batchnorm':
      return kernels({
        factory: 'batchnorm',
        descriptor: withActivation(
          { ...channelsAndSpatial(shape), eps: numberArg(node, 'eps', 1e-5) },
          node,
        ),
        params: [
          ctx.param('weight'),
          ctx.param('bias'),
          ctx.param('running_mean'),
          ctx.param('running_var'),
        ],
      });
    case 'normalize':
      return kernels({
        factory: 'normalize',
        descriptor: channelsAndSpatial(shape),
        params: [ctx.param('mean'), ctx.param('std')],
      });
    case 'softmax':
      return kernels({ factory: 'softmax', descriptor: channelsAndSpatial(shape), params: [] });
    case 'lrn':
      return kernels({
        factory: 'lrn',
        descriptor: {
          ...channelsAndSpatial(shape),
          size: numberArg(node, 'size', 5),
          alpha: numberArg(node, 'alpha', 1e-4),
          beta: numberArg(node, 'beta', 0.75),
          k: numberArg(node, 'k', 2),
        },
        params: [],
      });
    case 'add':
      return kernels({
        factory: 'add',
        descriptor: withActivation({ features, inputs: node.inputs.length }, node),
        params: [],
      });
    case 'concat':
      return kernels({
        factory: 'concat',
        descriptor: {
          channels: ctx.inputs.map((input) => (input.shape ?? [])[0]),
          spatial: sizeOf(shape.slice(1)),
        },
        params: [],
      });
  }
  return { kind: 'unsupported', reason: `\`${node.op}\` has no gpu.js kernel` };
}

/** The gpu.js target over `cnnc/runtime`. */
export const gpujsTarget: Target = {
  name: 'gpu.js',
  runtimeModule: 'cnnc/runtime',
  planLayer(ctx) {
    const op = ctx.node.op;
    if (['conv', 'conv1d', 'conv3d', 'depthwise', 'separable'].includes(op)) return planConv(ctx);
    if (op === 'convtranspose') return planConvTranspose(ctx);
    if (op === 'maxpool' || op === 'avgpool' || op === 'lppool') return planPool(ctx);
    if (op === 'pad') return planPad(ctx);
    if (ELEMENTWISE_OPS.has(op)) return planElementwise(ctx);
    return planOther(ctx);
  },
};
