// Checks and fixes about padding: `reflect`/`circular` limits (PyTorch's), the pooling limit of
// half a kernel, and the padding a user could write to make a kernel fit.
import { diagnostic } from '../diagnostics/catalog.js';
import type { InferContext } from '../layers/types.js';
import type { DimInfo } from './conv-arithmetic.js';
import { formatSize, spatialNames, unitName } from './format.js';
import { producerLabel } from './shape-diagnostics.js';

/** An int when every dimension agrees, else a tuple: `2` or `(2, 1)`. */
export function formatPerDim(values: readonly number[]): string {
  return values.every((value) => value === values[0])
    ? String(values[0])
    : `(${values.join(', ')})`;
}

/**
 * Reports CNN3019 when `mode` cannot fill the padding: PyTorch's `reflect` needs each side to be
 * smaller than the input size, and `circular` at most the input size. Returns whether it did.
 */
export function reportPadModeTooLarge(
  ctx: InferContext,
  mode: string,
  modeArg: string,
  dims: readonly DimInfo[],
): boolean {
  if (mode !== 'reflect' && mode !== 'circular') return false;
  const names = spatialNames(dims.length);
  const bad = dims.flatMap((dim, idx) => {
    const side = Math.max(dim.padLo, dim.padHi);
    const fits = mode === 'reflect' ? side < dim.input : side <= dim.input;
    return fits ? [] : [{ dim, side, name: names[idx] }];
  });
  if (bad.length === 0) return false;
  const { dim, side, name } = bad[0];
  const limit = mode === 'reflect' ? dim.input - 1 : dim.input;
  const need = mode === 'reflect' ? side + 1 : side;
  const message = `\`${mode}\` padding of ${side} needs a ${name} of at least ${need}, found ${dim.input}`;
  const rule =
    mode === 'reflect'
      ? 'reflection mirrors the input without repeating its edge, so each side must be smaller than the input'
      : 'circular padding wraps the input around, so each side can be at most the input size';
  const span = ctx.node.args[modeArg]?.span ?? ctx.node.span;
  const labels = [
    ...(ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : []),
    ...(ctx.node.args.pad ? [{ span: ctx.node.args.pad.span, message: `pads ${side}` }] : []),
  ];
  const hints = [`use \`${modeArg}=replicate\`, or pad at most ${limit}`];
  ctx.report(diagnostic('CNN3019', span, message, { labels, notes: [rule], hints }));
  return true;
}

/**
 * Reports CNN3018 when a pooling pad exceeds half the kernel (PyTorch: `pad ≤ kernel/2`), which
 * would let a window lie entirely in the padding. Returns whether it did.
 */
export function reportPoolPadTooLarge(ctx: InferContext, dims: readonly DimInfo[]): boolean {
  const names = spatialNames(dims.length);
  const bad = dims.flatMap((dim, idx) => {
    const side = Math.max(dim.padLo, dim.padHi);
    return side > Math.floor(dim.kernel / 2) ? [{ dim, side, name: names[idx] }] : [];
  });
  if (bad.length === 0) return false;
  const { dim, side, name } = bad[0];
  const half = Math.floor(dim.kernel / 2);
  const where = dims.length > 1 ? ` in the ${name}` : '';
  const message = `padding ${side} is more than half the kernel size ${dim.kernel}${where}`;
  const notes = [
    `pooling padding must be at most ⌊${dim.kernel}/2⌋ = ${half}, so that every window covers at least one input ${unitName(name, 1)}`,
  ];
  const span = ctx.node.args.pad?.span ?? ctx.node.span;
  const hints = [
    `use \`pad=${formatPerDim(dims.map((each) => Math.min(Math.max(each.padLo, each.padHi), Math.floor(each.kernel / 2))))}\``,
  ];
  ctx.report(diagnostic('CNN3018', span, message, { notes, hints }));
  return true;
}

/** The least symmetric padding per dimension that lets the kernel fit. */
export function leastFittingPad(dims: readonly DimInfo[]): number[] {
  return dims.map((dim) =>
    Math.max(Math.ceil((dim.effectiveKernel - dim.input) / 2), dim.padLo, dim.padHi, 0),
  );
}

/**
 * Fixes to propose when a convolution kernel does not fit: `pad=same` (which keeps the size at
 * stride 1) and the least padding that fits.
 */
export function convFitHints(dims: readonly DimInfo[]): string[] {
  const inputs = formatSize(dims.map((dim) => dim.input));
  const least = leastFittingPad(dims);
  const fitted = dims.map(
    (dim, idx) => Math.floor((dim.input + 2 * least[idx] - dim.effectiveKernel) / dim.stride) + 1,
  );
  const keeps = dims.every((dim) => dim.stride === 1 && dim.effectiveKernel % 2 === 1);
  const sameHint = keeps
    ? `\`pad=${formatPerDim(dims.map((dim) => (dim.effectiveKernel - 1) / 2))}\` (or \`pad=same\`) keeps the ${inputs} size`
    : `\`pad=same\` gives a ${formatSize(dims.map((dim) => Math.ceil(dim.input / dim.stride)))} output`;
  return [
    sameHint,
    `\`pad=${formatPerDim(least)}\` is the least padding that fits (output ${formatSize(fitted)})`,
  ];
}
