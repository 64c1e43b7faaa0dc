// Diagnostics shared by several shape rules: wrong input rank, a kernel that does not fit, a
// stride that leaves rows unread, groups that do not divide the channels. Each states the fact
// with the user's numbers, shows the arithmetic in a note and proposes a fix where one exists.
import { diagnostic } from '../diagnostics/catalog.js';
import type { Label } from '../diagnostics/diagnostic.js';
import type { GraphNode, Shape } from '../ir/graph.js';
import type { InferContext } from '../layers/types.js';
import type { DimInfo } from './conv-arithmetic.js';
import { countOf, formatShape, formatSize, formatTerm, spatialNames } from './format.js';

/** Labels the producer of an input with its shape: "output is [16, 5, 5]". */
export function producerLabel(producer: GraphNode): Label {
  return { span: producer.span, message: `output is ${formatShape(producer.shape ?? [])}` };
}

/** The shape of the first input; the expansion only runs rules whose inputs have shapes. */
export function inputShape(ctx: InferContext): Shape {
  return ctx.inputs[0]?.shape ?? [];
}

/**
 * Checks that the first input has between `min` and `max` dimensions (channels included) and
 * reports CNN3011 otherwise. `expected` describes the layout, e.g. `[channels, height, width]`.
 */
export function checkRank(
  ctx: InferContext,
  min: number,
  max: number,
  expected: string,
  hints: string[] = [],
): boolean {
  const shape = inputShape(ctx);
  if (shape.length >= min && shape.length <= max) return true;
  const message = `\`${ctx.node.op}\` expects a ${expected} input, found ${formatShape(shape)}`;
  const labels = ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : [];
  ctx.report(diagnostic('CNN3011', ctx.node.span, message, { labels, hints }));
  return false;
}

/** `⌊(4 + 0 − 5)/2⌋ + 1 = 0`, or without the floor brackets when the stride is 1. */
function convFormula(dim: DimInfo): string {
  const pad = dim.padLo + dim.padHi;
  const inner = `${dim.input} + ${pad} ${formatTerm(-dim.effectiveKernel)}`;
  const quotient = dim.stride === 1 ? `(${inner})/1` : `⌊(${inner})/${dim.stride}⌋`;
  return `${quotient} + 1 = ${dim.output}`;
}

/** One note per dimension, showing how its output size comes out. */
export function arithmeticNotes(dims: readonly DimInfo[]): string[] {
  const names = spatialNames(dims.length);
  return dims.map((dim, idx) => {
    const dilated =
      dim.dilation === 1
        ? ''
        : ` (dilated kernel ${dim.dilation}·(${dim.kernel} − 1) + 1 = ${dim.effectiveKernel})`;
    return `${names[idx]}: ${convFormula(dim)}${dilated}`;
  });
}

function sizePhrase(sizes: readonly number[], what: string): string {
  return sizes.length === 1 ? `${what} of size ${sizes[0]}` : `${formatSize(sizes)} ${what}`;
}

/**
 * Reports CNN3001 when some output size is ≤ 0, i.e. the kernel is larger than the padded
 * input, and returns whether it did. `hints` are the layer's proposed fixes.
 */
export function reportKernelTooLarge(
  ctx: InferContext,
  dims: readonly DimInfo[],
  hints: string[],
): boolean {
  if (dims.every((dim) => dim.output > 0)) return false;
  const kernel = sizePhrase(
    dims.map((dim) => dim.effectiveKernel),
    'kernel',
  );
  const padded = dims.some((dim) => dim.padLo + dim.padHi > 0)
    ? ` padded to ${formatSize(dims.map((dim) => dim.input + dim.padLo + dim.padHi))}`
    : '';
  const input = sizePhrase(
    dims.map((dim) => dim.input),
    'input',
  );
  const message = `the ${kernel} does not fit the ${input}${padded}`;
  const labels = ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : [];
  const notes = arithmeticNotes(dims);
  ctx.report(diagnostic('CNN3001', ctx.node.span, message, { labels, notes, hints }));
  return true;
}

/**
 * Warns (CNN3010) when the last windows stop before the end of the real input, so trailing
 * rows are never read. Rows of padding left unread are harmless and not reported, and neither
 * are kernels narrower than the stride, which skip rows everywhere by design.
 */
export function warnUnreadRows(ctx: InferContext, dims: readonly DimInfo[], hint: string): void {
  const names = spatialNames(dims.length);
  const unread = dims.flatMap((dim, idx) => {
    const rows = dim.remainder - dim.padHi;
    const skipsByDesign = dim.effectiveKernel < dim.stride;
    return rows > 0 && !skipsByDesign ? [{ dim, rows, name: names[idx] }] : [];
  });
  if (unread.length === 0) return;
  const parts = unread.map(({ rows, name }) => `the last ${countOf(name, rows)}`);
  const input = formatShape(inputShape(ctx));
  const strides = [...new Set(unread.map(({ dim }) => dim.stride))].join('/');
  const message = `stride ${strides} never reads ${parts.join(' and ')} of the ${input} input`;
  const notes = unread.map(
    ({ dim, name }) =>
      `${name}: (${dim.input} + ${dim.padLo + dim.padHi} ${formatTerm(-dim.effectiveKernel)}) ` +
      `mod ${dim.stride} = ${dim.remainder}, so the last window ends ${countOf(name, dim.remainder)} ` +
      `before the end of the padded ${name}`,
  );
  ctx.report(diagnostic('CNN3010', ctx.node.span, message, { notes, hints: [hint] }));
}

/** Divisors of `n` near `target`, for "use groups=…" hints. */
export function nearbyDivisors(n: number, target: number): number[] {
  const divisors: number[] = [];
  for (let candidate = 1; candidate <= n; candidate++)
    if (n % candidate === 0) divisors.push(candidate);
  return divisors
    .sort((a, b) => Math.abs(a - target) - Math.abs(b - target))
    .slice(0, 2)
    .sort((a, b) => a - b);
}

/**
 * Reports CNN3013 when `groups` does not divide both channel counts; returns whether it did.
 */
export function reportGroupsNotDividing(
  ctx: InferContext,
  inChannels: number,
  outChannels: number,
  groups: number,
): boolean {
  const badIn = inChannels % groups !== 0;
  const badOut = outChannels % groups !== 0;
  if (!badIn && !badOut) return false;
  const which = badIn ? `the ${inChannels} input channels` : `the ${outChannels} output channels`;
  const span = ctx.node.args.groups?.span ?? ctx.node.span;
  const common = greatestCommonDivisor(inChannels, outChannels);
  const options = nearbyDivisors(common, groups);
  const notes = [
    `${inChannels} input channels / ${groups} groups = ${round2(inChannels / groups)}`,
    `${outChannels} output channels / ${groups} groups = ${round2(outChannels / groups)}`,
  ];
  const channelCounts =
    inChannels === outChannels ? String(inChannels) : `both ${inChannels} and ${outChannels}`;
  const hints = [
    `\`groups\` must divide ${channelCounts}: try ${options.map((g) => `\`groups=${g}\``).join(' or ')}`,
  ];
  const labels = ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : [];
  ctx.report(
    diagnostic('CNN3013', span, `groups=${groups} does not divide ${which}`, {
      labels,
      notes,
      hints,
    }),
  );
  return true;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

function round2(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
