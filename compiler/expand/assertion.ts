// Shape assertions `: [d1, d2, …]`: the statement's per-sample output must have this shape.
import type { ShapeAssertion } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import { type BodyCtx, type Current, evalEnv, isNode } from './context.js';
import { evaluateAll, reportUnknownName } from './evaluate.js';
import { showValue } from '../ir/value.js';

export function checkAssertion(assertion: ShapeAssertion, ctx: BodyCtx, current: Current): void {
  const env = evalEnv(ctx);
  const values = evaluateAll(assertion.dims, env);
  if (!values) return;
  const dims: number[] = [];
  for (const value of values) {
    if (value.kind === 'symbol') return reportUnknownName(value, env);
    if (value.kind !== 'int') {
      ctx.builder.report(
        diagnostic(
          'CNN2018',
          value.span,
          `a shape dimension must be an integer, found ${showValue(value)}`,
        ),
      );
      return;
    }
    dims.push(value.value);
  }
  if (!isNode(current)) return;
  const shape = ctx.builder.nodes[current].shape;
  if (!shape) return;
  if (shape.length === dims.length && shape.every((d, i) => d === dims[i])) return;
  const found = `[${shape.join(', ')}]`;
  ctx.builder.report(
    diagnostic(
      'CNN3002',
      assertion.span,
      `shape assertion failed: expected [${dims.join(', ')}], found ${found}`,
      {
        labels: [{ span: ctx.builder.nodes[current].span, message: `output is ${found}` }],
        hints: [`if the layers are right, write \`: ${found}\``],
        fixes: [
          {
            message: `if the layers are right, write \`: ${found}\``,
            span: assertion.span,
            replacement: `: ${found}`,
          },
        ],
      },
    ),
  );
}
