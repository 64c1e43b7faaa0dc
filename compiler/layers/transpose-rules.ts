// Shape rule of `convtranspose` (PyTorch `ConvTranspose2d`): the output size, the `output_pad`
// limit and the costs. MACs count one multiply-accumulate per weight per input position, which
// is the work of the matching forward convolution (the ptflops/fvcore convention).
import { diagnostic } from '../diagnostics/catalog.js';
import type { DimPadding } from '../shapes/conv-arithmetic.js';
import { product, transposedOutputDim } from '../shapes/conv-arithmetic.js';
import { describeLayout, formatTerm, spatialNames } from '../shapes/format.js';
import { formatPerDim } from '../shapes/padding-checks.js';
import { boolArg, numberArg, spatialArg, windowArgs } from '../shapes/read-args.js';
import {
  checkRank,
  inputShape,
  producerLabel,
  reportGroupsNotDividing,
} from '../shapes/shape-diagnostics.js';
import type { InferContext, InferRule } from './types.js';

interface TransposedDim {
  input: number;
  kernel: number;
  stride: number;
  dilation: number;
  pad: DimPadding;
  outputPad: number;
  output: number;
}

/** Reports CNN3017 for the first dimension whose `output_pad` is not below `max(s, d)`. */
function reportOutputPad(ctx: InferContext, dims: readonly TransposedDim[]): boolean {
  const names = spatialNames(dims.length);
  const idx = dims.findIndex((dim) => dim.outputPad >= Math.max(dim.stride, dim.dilation));
  if (idx < 0) return false;
  const dim = dims[idx];
  const limit = Math.max(dim.stride, dim.dilation);
  const what =
    dim.stride >= dim.dilation ? `the stride ${dim.stride}` : `the dilation ${dim.dilation}`;
  const where = dims.length > 1 ? ` in the ${names[idx]}` : '';
  const message = `\`output_pad=${dim.outputPad}\` must be smaller than ${what}${where}`;
  const notes = [
    `output_pad only chooses among the ${limit} output sizes that the forward convolution with stride ${dim.stride} maps to the same input size`,
  ];
  const span = ctx.node.args.output_pad?.span ?? ctx.node.span;
  const hints = [`use \`output_pad=${limit - 1}\` or less, or a larger stride`];
  ctx.report(diagnostic('CNN3017', span, message, { notes, hints }));
  return true;
}

function formula(dim: TransposedDim): string {
  const padTerm = `${formatTerm(-dim.pad.lo)} ${formatTerm(-dim.pad.hi)}`;
  return (
    `(${dim.input} − 1)·${dim.stride} ${padTerm} + ${dim.dilation}·(${dim.kernel} − 1) ` +
    `+ ${dim.outputPad} + 1 = ${dim.output}`
  );
}

/** Reports CNN3001 when the padding removes more than the layer produces. */
function reportNonPositive(ctx: InferContext, dims: readonly TransposedDim[]): boolean {
  if (dims.every((dim) => dim.output > 0)) return false;
  const names = spatialNames(dims.length);
  const idx = dims.findIndex((dim) => dim.output <= 0);
  const message = `\`convtranspose\` output ${names[idx]} would be ${dims[idx].output}: the padding removes more than the layer produces`;
  const notes = dims.map((dim, each) => `${names[each]}: ${formula(dim)}`);
  const most = dims.map((dim) =>
    Math.floor(
      ((dim.input - 1) * dim.stride + dim.dilation * (dim.kernel - 1) + dim.outputPad) / 2,
    ),
  );
  const hints = [`use \`pad=${formatPerDim(most)}\` or less`];
  const labels = ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : [];
  ctx.report(diagnostic('CNN3001', ctx.node.span, message, { labels, notes, hints }));
  return true;
}

/** The shape rule of `convtranspose` over `[channels, height, width]`. */
export const inferConvTranspose: InferRule = (ctx) => {
  const shape = inputShape(ctx);
  if (!checkRank(ctx, 3, 3, describeLayout(2))) return undefined;
  const count = shape.length - 1;
  const args = windowArgs(ctx, count);
  const outputPad = spatialArg(ctx, 'output_pad', count, 0);
  if (!args || !outputPad || args.padding.kind !== 'explicit') return undefined;
  const sides = args.padding.sides;
  const dims = shape.slice(1).map((input, idx): TransposedDim => {
    const [kernel, stride, dilation] = [args.kernel[idx], args.stride[idx], args.dilation[idx]];
    const output = transposedOutputDim(input, kernel, stride, dilation, sides[idx], outputPad[idx]);
    return { input, kernel, stride, dilation, pad: sides[idx], outputPad: outputPad[idx], output };
  });
  if (reportOutputPad(ctx, dims) || reportNonPositive(ctx, dims)) return undefined;
  const inChannels = shape[0];
  const out = numberArg(ctx.node, 'out', 1);
  const groups = numberArg(ctx.node, 'groups', 1);
  if (reportGroupsNotDividing(ctx, inChannels, out, groups)) return undefined;
  const weightsPerInput = (out / groups) * product(args.kernel);
  const bias = boolArg(ctx.node, 'bias', true) ? out : 0;
  return {
    shape: [out, ...dims.map((dim) => dim.output)],
    cost: {
      params: inChannels * weightsPerInput + bias,
      buffers: 0,
      macs: inChannels * weightsPerInput * product(shape.slice(1)),
    },
  };
};
