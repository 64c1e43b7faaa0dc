// Shape rule of `normalize`: the identity on shapes, over `[channels, …]`. `mean` and `std` are
// each one number (every channel) or a list with one per channel, checked here against the
// input's channels (CNN3021). Its `2·C` numbers are buffers, not trainable parameters (counted
// apart, like BatchNorm's running statistics), whether given or learnt by `cnnc train`.
import { diagnostic } from '../diagnostics/catalog.js';
import type { GraphNode } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { checkRank, inputShape, producerLabel } from '../shapes/shape-diagnostics.js';
import type { InferContext, InferRule } from './types.js';

/** The per-channel values of `normalize`'s `name` argument, or undefined when it is not given. */
export function normalizeValues(
  node: GraphNode,
  name: 'mean' | 'std',
  channels: number,
): number[] | undefined {
  const value = node.args[name];
  if (!value) return undefined;
  const numbers = numbersOf(value);
  return numbers.length === 1 ? Array<number>(channels).fill(numbers[0]) : numbers;
}

function numbersOf(value: Value): number[] {
  const items = value.kind === 'list' ? value.items : [value];
  return items.map((item) => (item.kind === 'int' || item.kind === 'float' ? item.value : NaN));
}

function checkCount(ctx: InferContext, name: 'mean' | 'std', channels: number): boolean {
  const value = ctx.node.args[name];
  if (!value || value.kind !== 'list') return true;
  const count = value.items.length;
  if (count === 1 || count === channels) return true;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const message = `\`${name}\` of \`normalize\` has ${plural(count, 'value')}, but its input has ${plural(channels, 'channel')}`;
  const labels = ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : [];
  const hints = [`give one value per channel (${channels}), or one number for every channel`];
  ctx.report(diagnostic('CNN3021', value.span, message, { labels, hints }));
  return false;
}

/**
 * The buffers are float32: a value that rounds to infinity, or a std that rounds to 0, would make
 * every output infinite or NaN. Reports CNN2008 at the first such value.
 */
function checkFloat32(ctx: InferContext, name: 'mean' | 'std'): boolean {
  const value = ctx.node.args[name];
  if (!value) return true;
  const items = value.kind === 'list' ? value.items : [value];
  for (const item of items) {
    if (item.kind !== 'int' && item.kind !== 'float') continue;
    const rounded = Math.fround(item.value);
    if (Number.isFinite(rounded) && (name === 'mean' || rounded > 0)) continue;
    const what = name === 'std' ? 'a positive float32' : 'a finite float32';
    const message = `\`${name}\` of \`normalize\` must be ${what}, found ${item.value} (${rounded} as float32)`;
    ctx.report(diagnostic('CNN2008', item.span, message));
    return false;
  }
  return true;
}

/** `normalize`: any `[channels, …]` input, the same shape out, `2·C` buffers. */
export const inferNormalize: InferRule = (ctx) => {
  if (!checkRank(ctx, 1, Infinity, '[channels, …]')) return undefined;
  const shape = inputShape(ctx);
  const channels = shape[0];
  const checks = [
    checkCount(ctx, 'mean', channels),
    checkCount(ctx, 'std', channels),
    checkFloat32(ctx, 'mean'),
    checkFloat32(ctx, 'std'),
  ];
  if (checks.includes(false)) return undefined;
  return { shape, cost: { params: 0, buffers: 2 * channels, macs: 0 } };
};
