// Reads a node's resolved arguments as plain numbers for the shape rules. The expansion has
// already checked each argument's type against the schema; what only the shape rules can check
// is that a tuple or a list of sides has one entry per spatial dimension of the actual input.
import { diagnostic } from '../diagnostics/catalog.js';
import type { GraphNode } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import type { InferContext } from '../layers/types.js';
import type { DimPadding, Padding, WindowArgs } from './conv-arithmetic.js';
import { spatialNames } from './format.js';

/** The numeric value of an int or float argument, or `fallback` when absent or not numeric. */
export function numberArg(node: GraphNode, name: string, fallback: number): number {
  const value = node.args[name];
  return value && (value.kind === 'int' || value.kind === 'float') ? value.value : fallback;
}

/** The value of a bool argument, or `fallback`. */
export function boolArg(node: GraphNode, name: string, fallback: boolean): boolean {
  const value = node.args[name];
  return value?.kind === 'bool' ? value.value : fallback;
}

/** The name of a symbol argument (`same`, `global`, `reflect`), if the argument is one. */
export function symbolArg(node: GraphNode, name: string): string | undefined {
  const value = node.args[name];
  return value?.kind === 'symbol' ? value.name : undefined;
}

function intsOf(value: Value): number[] | undefined {
  if (value.kind === 'int' || value.kind === 'float') return [value.value];
  if (value.kind !== 'tuple' && value.kind !== 'list') return undefined;
  const items = value.items.map((item) =>
    item.kind === 'int' || item.kind === 'float' ? item.value : NaN,
  );
  return items.some(Number.isNaN) ? undefined : items;
}

function reportArity(ctx: InferContext, value: Value, message: string, hint: string): void {
  ctx.report(diagnostic('CNN3012', value.span, message, { hints: [hint] }));
}

function dimensionPhrase(op: string, count: number): string {
  const plural = count === 1 ? '' : 's';
  return `\`${op}\` here has ${count} spatial dimension${plural} (${spatialNames(count).join(', ')})`;
}

/**
 * One size per spatial dimension from an int (repeated) or a tuple (checked for length, which
 * reports CNN3012 and returns undefined on a mismatch).
 */
export function spatialArg(
  ctx: InferContext,
  name: string,
  count: number,
  fallback: number,
): number[] | undefined {
  const value = ctx.node.args[name];
  if (!value) return Array<number>(count).fill(fallback);
  const sizes = intsOf(value);
  if (!sizes) return undefined;
  if (value.kind === 'int' || value.kind === 'float') return Array<number>(count).fill(sizes[0]);
  if (sizes.length === count) return sizes;
  const example = `(${Array<string>(count).fill(String(sizes[0])).join(', ')})`;
  const sidesHint =
    name === 'pad' && sizes.length === 2 * count
      ? `explicit sides are written as a list: \`pad=[${sizes.join(', ')}]\``
      : `write one value per dimension, e.g. \`${name}=${example}\`, or one int for all of them`;
  const message = `\`${name}\` gives ${sizes.length} values, but ${dimensionPhrase(ctx.node.op, count)}`;
  reportArity(ctx, value, message, sidesHint);
  return undefined;
}

/**
 * Padding for `count` spatial dimensions: an int (all sides), a tuple (both sides of each
 * dimension), a list of explicit sides `[lo₁, hi₁, lo₂, hi₂, …]` (for 2-D: top, bottom, left,
 * right) or, where the layer allows it, a mode `valid`, `same` or `full`.
 */
export function padArg(ctx: InferContext, name: string, count: number): Padding | undefined {
  const value = ctx.node.args[name];
  if (!value) return { kind: 'explicit', sides: Array<DimPadding>(count).fill({ lo: 0, hi: 0 }) };
  if (value.kind === 'symbol') {
    const mode = value.name;
    const known = mode === 'valid' || mode === 'same' || mode === 'full';
    return known ? { kind: 'mode', mode } : undefined;
  }
  if (value.kind !== 'list') {
    const sizes = spatialArg(ctx, name, count, 0);
    return sizes && { kind: 'explicit', sides: sizes.map((size) => ({ lo: size, hi: size })) };
  }
  const sides = intsOf(value);
  if (!sides) return undefined;
  if (sides.length === 2 * count) {
    const pairs = Array.from({ length: count }, (_, idx) => ({
      lo: sides[2 * idx],
      hi: sides[2 * idx + 1],
    }));
    return { kind: 'explicit', sides: pairs };
  }
  const order = spatialNames(count).flatMap(sideNames).join(', ');
  const message =
    `\`${name}\` gives ${sides.length} sides, but ${dimensionPhrase(ctx.node.op, count)}, ` +
    `so it needs ${2 * count}`;
  reportArity(ctx, value, message, `explicit sides go in this order: \`${name}=[${order}]\``);
  return undefined;
}

function sideNames(dimension: string): [string, string] {
  if (dimension === 'height') return ['top', 'bottom'];
  if (dimension === 'width') return ['left', 'right'];
  if (dimension === 'depth') return ['front', 'back'];
  return [`${dimension} start`, `${dimension} end`];
}

/**
 * The `kernel`, `stride`, `dilation` and `pad` of a windowed layer for `count` spatial
 * dimensions, reporting every argument of the wrong length (not only the first).
 */
export function windowArgs(ctx: InferContext, count: number): WindowArgs | undefined {
  const kernel = spatialArg(ctx, 'kernel', count, 1);
  const stride = spatialArg(ctx, 'stride', count, 1);
  const dilation = spatialArg(ctx, 'dilation', count, 1);
  const padding = padArg(ctx, 'pad', count);
  if (!kernel || !stride || !dilation || !padding) return undefined;
  return { kernel, stride, dilation, padding };
}
