// Shape rule of max, average and power-average pooling over any number of spatial dimensions
// (the dimensions after channels): windows with PyTorch's `ceil` rule, `global` and `adaptive`.
// Pooling has no parameters and, by cnnc's convention, no MACs (docs/shapes.md).
import { diagnostic } from '../diagnostics/catalog.js';
import type { Shape } from '../ir/graph.js';
import { computePoolInfo } from '../shapes/conv-arithmetic.js';
import { formatSize } from '../shapes/format.js';
import { reportPoolPadTooLarge } from '../shapes/padding-checks.js';
import { boolArg, spatialArg, symbolArg, windowArgs } from '../shapes/read-args.js';
import {
  checkRank,
  inputShape,
  reportKernelTooLarge,
  warnUnreadRows,
} from '../shapes/shape-diagnostics.js';
import type { DimInfo } from '../shapes/conv-arithmetic.js';
import type { InferContext, InferRule, Inferred } from './types.js';

const noCost = { params: 0, buffers: 0, macs: 0 };

function shaped(shape: Shape): Inferred {
  return { shape, cost: noCost };
}

/** Reports CNN3020 when both a kernel and `adaptive` are given; returns whether it did. */
function reportKernelAndAdaptive(ctx: InferContext): boolean {
  const { kernel, adaptive } = ctx.node.args;
  if (!kernel || !adaptive) return false;
  const op = ctx.node.op;
  const message = `\`${op}\` takes either a kernel or \`adaptive\`, not both`;
  const labels = [{ span: kernel.span, message: 'kernel given here' }];
  const hints = [`remove the kernel to pool to a fixed output size, or remove \`adaptive\``];
  ctx.report(diagnostic('CNN3020', adaptive.span, message, { labels, hints }));
  return true;
}

function poolFitHints(op: string, dims: readonly DimInfo[]): string[] {
  const largest = dims.map((dim) => dim.input + dim.padLo + dim.padHi);
  return [
    `a kernel of at most ${formatSize(largest)} fits`,
    `\`${op}(global)\` pools the whole ${formatSize(dims.map((dim) => dim.input))} input to one value per channel`,
  ];
}

/** Windowed pooling: kernel, stride (default: the kernel), pad and `ceil`. */
function inferWindowed(ctx: InferContext, shape: Shape): Inferred | undefined {
  const args = windowArgs(ctx, shape.length - 1);
  if (!args) return undefined;
  const ceil = boolArg(ctx.node, 'ceil', false);
  const dims = computePoolInfo(shape.slice(1), args, ceil);
  if (reportPoolPadTooLarge(ctx, dims)) return undefined;
  if (reportKernelTooLarge(ctx, dims, poolFitHints(ctx.node.op, dims))) return undefined;
  const hint = ceil
    ? 'pad the input so that the windows reach its end'
    : '`ceil=true` adds a last, partial window';
  warnUnreadRows(ctx, dims, hint);
  return shaped([shape[0], ...dims.map((dim) => dim.output)]);
}

/** The shape rule of `maxpool`, `avgpool` and `lppool`. */
export const inferPool: InferRule = (ctx) => {
  if (!checkRank(ctx, 2, Infinity, '[channels, …spatial]')) return undefined;
  const shape = inputShape(ctx);
  const count = shape.length - 1;
  if (reportKernelAndAdaptive(ctx)) return undefined;
  if (symbolArg(ctx.node, 'kernel') === 'global')
    return shaped([shape[0], ...Array<number>(count).fill(1)]);
  if (ctx.node.args.adaptive) {
    const sizes = spatialArg(ctx, 'adaptive', count, 1);
    return sizes && shaped([shape[0], ...sizes]);
  }
  return inferWindowed(ctx, shape);
};
