// Shape rules of `linear` and `flatten`. The commonest shape mistake, `linear` straight after a
// convolution, gets a fix that inserts `flatten` with the feature count it will produce.
import { diagnostic } from '../diagnostics/catalog.js';
import type { Fix } from '../diagnostics/diagnostic.js';
import { product } from '../shapes/conv-arithmetic.js';
import { formatCount, formatShape } from '../shapes/format.js';
import { boolArg, numberArg } from '../shapes/read-args.js';
import { inputShape, producerLabel } from '../shapes/shape-diagnostics.js';
import type { InferContext, InferRule } from './types.js';

/**
 * A fix inserting `flatten` before the node: on its own line with the same indentation when the
 * call starts a line, or as a pipe stage after `->`. Without the source text there is no fix.
 */
function insertFlattenFix(ctx: InferContext, message: string): Fix[] {
  const text = ctx.sourceText;
  const span = ctx.node.span;
  if (text === undefined) return [];
  const lineStart = text.lastIndexOf('\n', span.start - 1) + 1;
  const before = text.slice(lineStart, span.start);
  if (before.trim() === '') {
    const at = { file: span.file, start: lineStart, end: lineStart };
    return [{ message, span: at, replacement: `${before}flatten\n` }];
  }
  if (before.trimEnd().endsWith('->')) {
    const at = { file: span.file, start: span.start, end: span.start };
    return [{ message, span: at, replacement: 'flatten -> ' }];
  }
  return [];
}

/** `linear` (alias `fc`): needs `[features]`; `in·out + bias·out` parameters, `in·out` MACs. */
export const inferLinear: InferRule = (ctx) => {
  const shape = inputShape(ctx);
  const features = product(shape);
  if (shape.length !== 1) {
    const labels = ctx.inputs[0] ? [producerLabel(ctx.inputs[0])] : [];
    const hints = [`insert \`flatten\` before this line (${formatCount(features)} features)`];
    const notes = [
      `flatten turns ${formatShape(shape)} into [${shape.join(' · ')}] = [${features}]`,
    ];
    const message = `\`linear\` expects a 1-D input, found ${formatShape(shape)}`;
    const fixes = insertFlattenFix(ctx, hints[0]);
    ctx.report(diagnostic('CNN3014', ctx.node.span, message, { labels, hints, notes, fixes }));
    return undefined;
  }
  const out = numberArg(ctx.node, 'out', 1);
  const bias = boolArg(ctx.node, 'bias', true) ? out : 0;
  return {
    shape: [out],
    cost: { params: features * out + bias, buffers: 0, macs: features * out },
  };
};

/** `flatten`: `[C, H, W]` → `[C·H·W]`; a 1-D input passes through unchanged. */
export const inferFlatten: InferRule = (ctx) => ({
  shape: [product(inputShape(ctx))],
  cost: { params: 0, buffers: 0, macs: 0 },
});
