// The gpu.js target: maps each optimised node to kernel factories of `cnnc/runtime`. 1-D inputs
// run on the 2-D pooling and padding kernels with a unit height; global pooling of any rank runs
// on the adaptive kernel over the flattened spatial dimensions.
import { argChoice, argBool, argNumber, argSymbol } from '../layers/args.js';
import { sizeOf, windowGeometry } from '../ir/geometry.js';
import { hasTrait, lookupLayer } from '../layers/registry.js';
import type { PadMode, PoolKind } from '../../contract/descriptors.js';
import { activationKind, planConv, planConvTranspose, withActivation } from './gpujs-conv.js';
import {
  kernelCall,
  type KernelCall,
  type LayerContext,
  type LayerPlan,
  type Target,
} from './target.js';

function kernels(...calls: KernelCall[]): LayerPlan {
  return { kind: 'kernels', calls };
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
  const kind: PoolKind = node.op === 'maxpool' ? 'max' : node.op === 'avgpool' ? 'avg' : 'lp';
  const global = argSymbol(node, 'kernel') === 'global';
  if ((global || node.args.adaptive) && kind !== 'lp') {
    const planes = global ? [inShape[0], 1, sizeOf(inShape.slice(1))] : asPlanes(inShape);
    const out = global ? [outShape[0], 1, 1] : asPlanes(outShape);
    if (!planes || !out)
      return { kind: 'unsupported', reason: `adaptive pooling runs on 1-D and 2-D inputs only` };
    const desc = {
      kind: kind === 'max' ? ('max' as const) : ('avg' as const),
      channels: planes[0],
      inHeight: planes[1],
      inWidth: planes[2],
      outHeight: out[1],
      outWidth: out[2],
    };
    return kernels(kernelCall('adaptivePool2d', desc));
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
  const desc = {
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
    // The kernel reads `countIncludePad` for avgpool only and `p` for lppool only.
    countIncludePad: kind === 'avg' ? argBool(node, 'count_include_pad') : true,
    p: kind === 'lp' ? argNumber(node, 'p') : 2,
  };
  return kernels(kernelCall('pool2d', desc));
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
    mode: argChoice(node, 'mode') as PadMode,
  };
  return kernels(kernelCall('pad', desc));
}

function planElementwise(ctx: LayerContext): LayerPlan {
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
  if (rest.length === 0) return kernels(kernelCall('activation', { features, ...head }));
  return kernels(kernelCall('elementwiseChain', { features, steps: [head, ...rest] }));
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
        ...kernelCall('dropout', { features, p: argNumber(node, 'p') }),
        takesBackend: false,
      });
    case 'identity':
      return kernels(kernelCall('activation', { features, kind: 'identity' }));
    case 'linear':
      return kernels(
        kernelCall(
          'linear',
          withActivation(
            { inFeatures: sizeOf(ctx.inputs[0].shape ?? []), outFeatures: shape[0] },
            node,
          ),
          [ctx.param('weight'), ctx.param('bias')],
        ),
      );
    case 'batchnorm':
      return kernels(
        kernelCall(
          'batchnorm',
          withActivation({ ...channelsAndSpatial(shape), eps: argNumber(node, 'eps') }, node),
          [
            ctx.param('weight'),
            ctx.param('bias'),
            ctx.param('running_mean'),
            ctx.param('running_var'),
          ],
        ),
      );
    case 'normalize':
      return kernels(
        kernelCall('normalize', channelsAndSpatial(shape), [ctx.param('mean'), ctx.param('std')]),
      );
    case 'softmax':
      return kernels(kernelCall('softmax', channelsAndSpatial(shape)));
    case 'lrn':
      return kernels(
        kernelCall('lrn', {
          ...channelsAndSpatial(shape),
          size: argNumber(node, 'size'),
          alpha: argNumber(node, 'alpha'),
          beta: argNumber(node, 'beta'),
          k: argNumber(node, 'k'),
        }),
      );
    case 'add':
      return kernels(
        kernelCall('add', withActivation({ features, inputs: node.inputs.length }, node)),
      );
    case 'concat':
      return kernels(
        kernelCall('concat', {
          channels: ctx.inputs.map((input) => (input.shape ?? [])[0]),
          spatial: sizeOf(shape.slice(1)),
        }),
      );
  }
  return { kind: 'unsupported', reason: `\`${node.op}\` has no gpu.js kernel` };
}

/** The gpu.js target over `cnnc/runtime`. */
export const gpujsTarget: Target = {
  name: 'gpu.js',
  runtimeModule: 'cnnc/runtime',
  planLayer(ctx) {
    const op = ctx.node.op;
    const spec = lookupLayer(op);
    const declared = spec?.unsupportedOn?.['gpu.js'];
    if (declared) return { kind: 'unsupported', reason: declared };
    if (spec?.backends) return spec.backends.gpujs(ctx);
    if (['conv', 'conv1d', 'conv3d', 'depthwise', 'separable'].includes(op)) return planConv(ctx);
    if (op === 'convtranspose') return planConvTranspose(ctx);
    if (op === 'maxpool' || op === 'avgpool' || op === 'lppool') return planPool(ctx);
    if (op === 'pad') return planPad(ctx);
    if (hasTrait(op, 'elementwise')) return planElementwise(ctx);
    return planOther(ctx);
  },
};
