// The gpu.js plans of pooling (./pool.ts) and the shape helper the padding layer shares: 1-D
// inputs run on the 2-D pooling kernel with a unit height; global pooling of any rank runs on the
// adaptive kernel over the flattened spatial dimensions.
import { argBool, argNumber, argSymbol } from './args.js';
import { sizeOf, windowGeometry } from '../ir/geometry.js';
import type { PoolKind } from '../../contract/descriptors.js';
import { kernelCall, type LayerContext, type LayerPlan } from '../emit/target.js';

/** `[channels, height, width]` of a 1- or 2-D value (1-D gets a unit height). */
export function asPlanes(shape: readonly number[]): [number, number, number] | undefined {
  if (shape.length === 2) return [shape[0], 1, shape[1]];
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  return undefined;
}

function planAdaptive(ctx: LayerContext, kind: 'max' | 'avg', global: boolean): LayerPlan {
  const inShape = ctx.inputs[0].shape ?? [];
  const outShape = ctx.node.shape ?? [];
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
  return { kind: 'kernels', calls: [kernelCall('adaptivePool2d', desc)] };
}

/** `maxpool`, `avgpool` and `lppool`: windowed, `global` or `adaptive`. */
export function planPool(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const inShape = ctx.inputs[0].shape ?? [];
  const outShape = node.shape ?? [];
  const kind: PoolKind = node.op === 'maxpool' ? 'max' : node.op === 'avgpool' ? 'avg' : 'lp';
  const global = argSymbol(node, 'kernel') === 'global';
  if ((global || node.args.adaptive) && kind !== 'lp') return planAdaptive(ctx, kind, global);
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
  return { kind: 'kernels', calls: [kernelCall('pool2d', desc)] };
}
