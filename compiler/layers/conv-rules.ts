// Shape rules of the convolutions: conv, conv1d, conv3d, depthwise and separable. Each reads its
// window arguments, runs the shared arithmetic (compiler/shapes/conv-arithmetic.ts) and reports
// what does not fit; costs follow LANGUAGE.md §6.
import type { DimInfo, WindowArgs } from '../shapes/conv-arithmetic.js';
import { computeConvInfo, product } from '../shapes/conv-arithmetic.js';
import { describeLayout } from '../shapes/format.js';
import { convFitHints, reportPadModeTooLarge } from '../shapes/padding-checks.js';
import { boolArg, numberArg, symbolArg, windowArgs } from '../shapes/read-args.js';
import {
  checkRank,
  inputShape,
  reportGroupsNotDividing,
  reportKernelTooLarge,
  warnUnreadRows,
} from '../shapes/shape-diagnostics.js';
import type { InferContext, InferRule } from './types.js';

/** The checked arithmetic of a convolution's input. */
interface ConvGeometry {
  inChannels: number;
  args: WindowArgs;
  dims: DimInfo[];
}

const convForRank: Record<number, string> = { 2: 'conv1d', 3: 'conv', 4: 'conv3d' };

function rankHints(ctx: InferContext): string[] {
  const rank = inputShape(ctx).length;
  const other = convForRank[rank];
  if (other && other !== ctx.node.op)
    return [`\`${other}\` takes ${describeLayout(rank - 1)} inputs`];
  if (rank === 1) return ['a convolution needs spatial dimensions; `linear` takes 1-D inputs'];
  return [];
}

/**
 * Reads and checks everything a convolution over `count` spatial dimensions needs (the input's
 * rank when `count` is fixed, else any rank from 2 to 4), or reports why it cannot.
 */
function convGeometry(ctx: InferContext, count: number | undefined): ConvGeometry | undefined {
  const shape = inputShape(ctx);
  const fixed = count !== undefined;
  const layout = fixed ? describeLayout(count) : '[channels, …spatial]';
  const [min, max] = fixed ? [count + 1, count + 1] : [2, 4];
  if (!checkRank(ctx, min, max, layout, rankHints(ctx))) return undefined;
  const args = windowArgs(ctx, shape.length - 1);
  if (!args) return undefined;
  const dims = computeConvInfo(shape.slice(1), args);
  const mode = symbolArg(ctx.node, 'pad_mode') ?? 'zeros';
  if (reportPadModeTooLarge(ctx, mode, 'pad_mode', dims)) return undefined;
  if (reportKernelTooLarge(ctx, dims, convFitHints(dims))) return undefined;
  warnUnreadRows(ctx, dims, '`pad=same` makes the windows cover the whole input');
  return { inChannels: shape[0], args, dims };
}

function outputSpatial(geometry: ConvGeometry): number[] {
  return geometry.dims.map((dim) => dim.output);
}

/** The shape rule of `conv` (2 spatial dimensions), `conv1d` (1) and `conv3d` (3). */
export function inferConv(count: number): InferRule {
  return (ctx) => {
    const geometry = convGeometry(ctx, count);
    if (!geometry) return undefined;
    const out = numberArg(ctx.node, 'out', 1);
    const groups = numberArg(ctx.node, 'groups', 1);
    if (reportGroupsNotDividing(ctx, geometry.inChannels, out, groups)) return undefined;
    const spatial = outputSpatial(geometry);
    const weightsPerOutput = (geometry.inChannels / groups) * product(geometry.args.kernel);
    const bias = boolArg(ctx.node, 'bias', true) ? out : 0;
    return {
      shape: [out, ...spatial],
      cost: {
        params: out * weightsPerOutput + bias,
        buffers: 0,
        macs: out * product(spatial) * weightsPerOutput,
      },
    };
  };
}

/** `depthwise`: `groups = in.channels`, `multiplier` filters per channel. */
export const inferDepthwise: InferRule = (ctx) => {
  const geometry = convGeometry(ctx, undefined);
  if (!geometry) return undefined;
  const out = numberArg(ctx.node, 'multiplier', 1) * geometry.inChannels;
  const spatial = outputSpatial(geometry);
  const taps = product(geometry.args.kernel);
  const bias = boolArg(ctx.node, 'bias', true) ? out : 0;
  return {
    shape: [out, ...spatial],
    cost: { params: out * taps + bias, buffers: 0, macs: out * product(spatial) * taps },
  };
};

/**
 * `separable`: a depthwise convolution (multiplier 1, no bias) then a 1×1 pointwise one; `bias`
 * applies to the pointwise convolution only, as in Keras `SeparableConv2D`.
 */
export const inferSeparable: InferRule = (ctx) => {
  const geometry = convGeometry(ctx, undefined);
  if (!geometry) return undefined;
  const channels = geometry.inChannels;
  const out = numberArg(ctx.node, 'out', 1);
  const spatial = outputSpatial(geometry);
  const positions = product(spatial);
  const taps = product(geometry.args.kernel);
  const bias = boolArg(ctx.node, 'bias', true) ? out : 0;
  return {
    shape: [out, ...spatial],
    cost: {
      params: channels * taps + channels * out + bias,
      buffers: 0,
      macs: channels * positions * taps + out * positions * channels,
    },
  };
};
