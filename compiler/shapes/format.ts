// How shapes, sizes and counts read in messages and summaries: `[16, 5, 5]`, `5×5`, `61,706`.
// One place, so every diagnostic and the summary table spell them the same way.
import type { Shape } from '../ir/graph.js';

/** A per-sample shape as the user writes it: `[16, 5, 5]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Spatial sizes as a product: `5×5`, `3×3×3`, or just `7` for one dimension. */
export function formatSize(sizes: readonly number[]): string {
  return sizes.join('×');
}

/** An integer with thousands separators, independent of the locale: `61706` → `61,706`. */
export function formatCount(count: number): string {
  // Past 2^53 a float64 no longer counts by one: print a rounded figure that looks rounded.
  if (Math.abs(count) > Number.MAX_SAFE_INTEGER) return `≈${count.toExponential(3)}`;
  const sign = count < 0 ? '-' : '';
  const digits = String(Math.abs(Math.round(count)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A signed term of a formula, written with a real minus sign: `+ 2`, `− 5`. */
export function formatTerm(value: number): string {
  return value < 0 ? `− ${-value}` : `+ ${value}`;
}

/** The names of the spatial dimensions of a value with `count` of them, in NCHW order. */
export function spatialNames(count: number): string[] {
  if (count === 1) return ['length'];
  if (count === 2) return ['height', 'width'];
  if (count === 3) return ['depth', 'height', 'width'];
  return Array.from({ length: count }, (_, idx) => `dimension ${idx + 1}`);
}

/** What one step along a named dimension is called: rows of the height, columns of the width. */
export function unitName(dimension: string, count: number): string {
  const units: Record<string, [string, string]> = {
    height: ['row', 'rows'],
    width: ['column', 'columns'],
    depth: ['slice', 'slices'],
    length: ['position', 'positions'],
  };
  const [singular, plural] = units[dimension] ?? ['element', 'elements'];
  return count === 1 ? singular : plural;
}

/** The layout a layer expects, e.g. `[channels, height, width]` for 2 spatial dimensions. */
export function describeLayout(spatialCount: number): string {
  return `[${['channels', ...spatialNames(spatialCount)].join(', ')}]`;
}

/** `1 row`, `3 columns`. */
export function countOf(dimension: string, count: number): string {
  return `${count} ${unitName(dimension, count)}`;
}
