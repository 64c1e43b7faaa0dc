// `input NAME: [dims]` and `output NAME [= pipe]`: only in model bodies.
import type { InputStatement, OutputStatement } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import { showValue } from '../ir/value.js';
import { BROKEN, type BodyCtx, type Current, evalEnv, isNode } from './context.js';
import { evaluateAll, reportUnknownName } from './evaluate.js';
import { expandPipe } from './expand-call.js';

export function expandIo(
  statement: InputStatement | OutputStatement,
  ctx: BodyCtx,
  current: Current,
): Current {
  const model = ctx.model;
  if (!model) {
    const keyword = statement.kind === 'Input' ? 'input' : 'output';
    ctx.builder.report(
      diagnostic('CNN2027', statement.span, `\`${keyword}\` is only allowed in a model body`, {
        hints: [
          statement.kind === 'Input'
            ? 'a block takes its input as `in`'
            : 'a block returns its last value',
        ],
      }),
    );
    return statement.kind === 'Input' ? BROKEN : current;
  }
  if (statement.kind === 'Input') return expandInput(statement, ctx, model.inputs);
  const value = statement.pipe ? expandPipe(statement.pipe, ctx, current) : current;
  const name = statement.name.name;
  const previous = model.outputs.find((o) => o.name === name);
  if (previous) {
    ctx.builder.report(
      diagnostic('CNN2025', statement.name.span, `output \`${name}\` is declared twice`, {
        labels: [{ span: previous.span, message: 'first declared here' }],
      }),
    );
  } else if (isNode(value)) {
    model.outputs.push({ name, node: value, span: statement.name.span });
    // An output also names its value, so later statements can start from it (`sum -> …`).
    if (!ctx.scope.lookupValue(name))
      ctx.scope.values.set(name, {
        kind: 'let',
        node: value,
        span: statement.name.span,
        used: true,
      });
  } else if (value !== BROKEN)
    ctx.builder.report(
      diagnostic('CNN2010', statement.span, `output \`${name}\` has no value`, {
        hints: ['declare an input and layers before `output`'],
      }),
    );
  return current;
}

function expandInput(statement: InputStatement, ctx: BodyCtx, inputs: number[]): Current {
  const env = evalEnv(ctx);
  const name = statement.name.name;
  const existing = ctx.scope.lookupValue(name);
  if (existing?.kind === 'input') {
    ctx.builder.report(
      diagnostic('CNN2025', statement.name.span, `input \`${name}\` is declared twice`, {
        labels: [{ span: existing.span, message: 'first declared here' }],
      }),
    );
    return BROKEN;
  }
  const values = evaluateAll(statement.dims, env);
  const dims: number[] = [];
  for (const value of values ?? []) {
    if (value.kind === 'symbol') return reportUnknownName(value, env) ?? BROKEN;
    if (value.kind !== 'int' || value.value < 1) {
      ctx.builder.report(
        diagnostic(
          'CNN2008',
          value.span,
          `an input dimension must be a positive integer, found ${showValue(value)}`,
        ),
      );
      return BROKEN;
    }
    dims.push(value.value);
  }
  if (!values) return BROKEN;
  if (dims.length === 0) {
    ctx.builder.report(
      diagnostic('CNN2008', statement.dimsSpan, 'an input needs at least one dimension'),
    );
    return BROKEN;
  }
  const id = ctx.builder.nodes.length;
  ctx.builder.nodes.push({
    id,
    op: 'input',
    inputs: [],
    args: {},
    span: statement.span,
    path: [...ctx.path],
    name,
    shape: dims,
    cost: { params: 0, buffers: 0, macs: 0 },
  });
  inputs.push(id);
  ctx.scope.values.set(name, { kind: 'input', node: id, span: statement.name.span, used: true });
  return id;
}
