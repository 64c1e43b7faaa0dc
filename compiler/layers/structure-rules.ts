// Shape rules of the layers that pad or join values: `pad`, `add` and `concat`. Joins label
// every operand with its shape, since the mistake is usually in how one of them was built.
import { diagnostic } from '../diagnostics/catalog.js';
import type { GraphNode, Shape } from '../ir/graph.js';
import { convOutputDim } from '../shapes/conv-arithmetic.js';
import { formatShape, spatialNames } from '../shapes/format.js';
import { reportPadModeTooLarge } from '../shapes/padding-checks.js';
import { padArg, symbolArg } from '../shapes/read-args.js';
import { checkRank, inputShape, producerLabel } from '../shapes/shape-diagnostics.js';
import type { InferContext, InferRule } from './types.js';

const noCost = { params: 0, buffers: 0, macs: 0 };

/** `pad(sides, mode)`: adds the sides to every spatial dimension. */
export const inferPad: InferRule = (ctx) => {
  if (!checkRank(ctx, 2, Infinity, '[channels, …spatial]')) return undefined;
  const shape = inputShape(ctx);
  const padding = padArg(ctx, 'sides', shape.length - 1);
  if (!padding || padding.kind !== 'explicit') return undefined;
  const dims = shape
    .slice(1)
    .map((input, idx) => convOutputDim(input, 1, 1, 1, padding.sides[idx]));
  if (reportPadModeTooLarge(ctx, symbolArg(ctx.node, 'mode') ?? 'zeros', 'mode', dims))
    return undefined;
  return { shape: [shape[0], ...dims.map((dim) => dim.output)], cost: noCost };
};

function dimNames(rank: number): string[] {
  return ['channels', ...spatialNames(rank - 1)];
}

/** "channels: 64 vs 128" for each dimension where two equal-rank shapes differ. */
function differences(a: Shape, b: Shape, from: number): string[] {
  if (a.length !== b.length) return [`${a.length} dimensions vs ${b.length}`];
  const names = dimNames(a.length);
  return a.flatMap((size, idx) =>
    idx >= from && size !== b[idx] ? [`${names[idx]}: ${size} vs ${b[idx]}`] : [],
  );
}

function operandLabels(operands: readonly GraphNode[]) {
  return operands.map(producerLabel);
}

/** Proposes a 1×1 projection when one operand is a strided, widened version of the other. */
function projectionHint(a: Shape, b: Shape): string[] {
  if (a.length !== 3 || b.length !== 3) return [];
  const [large, small] = a[1] >= b[1] ? [a, b] : [b, a];
  const stride = large[1] / small[1];
  if (!Number.isInteger(stride) || large[2] !== small[2] * stride) return [];
  const strideArg = stride === 1 ? '' : `, stride=${stride}`;
  return [
    `a 1×1 \`conv(${small[0]}, 1${strideArg})\` on the ${formatShape(large)} operand (in a \`residual\`, ` +
      `its \`shortcut\`) makes the shapes match`,
  ];
}

/** `add`: every operand must have the first one's shape. */
export const inferAdd: InferRule = (ctx) => {
  const shapes = ctx.inputs.map((input) => input.shape ?? []);
  const first = shapes[0] ?? [];
  const mismatch = shapes.findIndex((shape) => formatShape(shape) !== formatShape(first));
  if (mismatch < 0) return { shape: first, cost: noCost };
  const other = shapes[mismatch];
  const message = `cannot add ${formatShape(first)} and ${formatShape(other)}: the shapes differ`;
  const notes = differences(first, other, 0);
  const hints = projectionHint(first, other);
  ctx.report(
    diagnostic('CNN3015', ctx.node.span, message, {
      labels: operandLabels(ctx.inputs),
      notes,
      hints,
    }),
  );
  return undefined;
};

function padHint(large: Shape, small: Shape): string[] {
  if (large.length !== small.length) return [];
  const diffs = large.slice(1).map((size, idx) => size - small[idx + 1]);
  if (diffs.some((diff) => diff < 0)) return [];
  const sides = diffs.flatMap((diff) => [Math.floor(diff / 2), diff - Math.floor(diff / 2)]);
  return [
    `\`pad([${sides.join(', ')}])\` on the ${formatShape(small)} operand makes the sizes equal`,
  ];
}

/** `concat`: joins along channels; every other dimension must match the first operand's. */
export const inferConcat: InferRule = (ctx: InferContext) => {
  const shapes = ctx.inputs.map((input) => input.shape ?? []);
  const first = shapes[0] ?? [];
  const same = (shape: Shape) =>
    shape.length === first.length && shape.every((size, idx) => idx === 0 || size === first[idx]);
  const mismatch = shapes.findIndex((shape) => !same(shape));
  if (mismatch < 0) {
    const channels = shapes.reduce((acc, shape) => acc + shape[0], 0);
    return { shape: [channels, ...first.slice(1)], cost: noCost };
  }
  const other = shapes[mismatch];
  const message = `cannot concatenate ${formatShape(first)} and ${formatShape(other)} along channels: the other dimensions differ`;
  const notes = differences(first, other, 1);
  const hints = first[1] >= other[1] ? padHint(first, other) : padHint(other, first);
  ctx.report(
    diagnostic('CNN3016', ctx.node.span, message, {
      labels: operandLabels(ctx.inputs),
      notes,
      hints,
    }),
  );
  return undefined;
};
