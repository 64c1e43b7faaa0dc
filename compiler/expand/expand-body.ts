// Statements: bodies are unrolled (`repeat`, `for`, `if`) and graph constructs (`residual`,
// `concat { branch }`, `dense`) become `add`/`concat` nodes, all while shapes are inferred.
import type { Body, Expr, IfStatement, ResidualStatement, Statement } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { NodeId, PathStep } from '../ir/graph.js';
import { showValue } from '../ir/value.js';
import {
  addNode,
  BROKEN,
  type BodyCtx,
  type Current,
  enter,
  evalEnv,
  isNode,
  leave,
  NONE,
  step as countStep,
} from './context.js';
import { evaluate, reportUnknownName } from './evaluate.js';
import { expandPipe } from './expand-call.js';
import { expandIo } from './expand-io.js';
import { Scope } from './scope.js';
import { checkAssertion } from './assertion.js';

const MAX_REPEAT = 10_000;

/** Expands statements in order, threading the chain's current value. */
export function expandBody(
  statements: readonly Statement[],
  ctx: BodyCtx,
  start: Current,
): Current {
  let current = start;
  for (let idx = 0; idx < statements.length; idx++) {
    const statement = statements[idx];
    // A limit was reached: stop at once, so that the work stays bounded.
    if (!countStep(ctx, statement.span)) return BROKEN;
    current = expandStatement(statement, ctx, current, idx);
    if (statement.assertion && !ctx.builder.halted)
      checkAssertion(statement.assertion, ctx, assertedValue(statement, ctx, current));
  }
  return current;
}

/** A nested body with its own `let` scope, `in` and path step. */
function expandNested(
  body: Body,
  ctx: BodyCtx,
  start: Current,
  pathStep: PathStep,
  inNode = ctx.inNode,
): Current {
  if (!enter(ctx, body.span)) return BROKEN;
  const scope = new Scope(ctx.scope);
  const inner: BodyCtx = { ...ctx, scope, inNode, path: [...ctx.path, pathStep] };
  const result = expandBody(body.statements, inner, start);
  leave(ctx);
  if (!ctx.builder.halted) reportUnusedLets(scope, ctx.builder.report);
  return result;
}

function expandStatement(
  statement: Statement,
  ctx: BodyCtx,
  current: Current,
  idx: number,
): Current {
  switch (statement.kind) {
    case 'Pipe':
      return expandPipe(statement.pipe, ctx, current);
    case 'Let': {
      const first = statement.pipe.elements[0];
      const startsFromName =
        first.kind === 'Call' && !first.args && ctx.scope.lookupValue(first.callee.name);
      const value = expandPipe(statement.pipe, ctx, startsFromName ? NONE : current);
      const named = isNode(value) ? ctx.builder.nodes[value] : undefined;
      if (named && named.sourceName === undefined) named.sourceName = statement.name.name;
      ctx.scope.values.set(statement.name.name, {
        kind: 'let',
        node: isNode(value) ? value : undefined,
        span: statement.name.span,
        used: false,
      });
      return current;
    }
    case 'Input':
    case 'Output':
      return expandIo(statement, ctx, current);
    case 'Repeat':
      return expandRepeat(statement.count, statement.body, ctx, current);
    case 'For':
      return expandFor(statement, ctx, current);
    case 'If':
      return expandIf(statement, ctx, current, idx);
    case 'Residual':
      return expandResidual(statement, ctx, current, idx);
    case 'Dense': {
      const step: PathStep = {
        kind: 'dense',
        name: 'dense',
        index: idx,
        span: statement.keywordSpan,
      };
      const body = expandNested(statement.body, ctx, current, step, current);
      if (!isNode(current) || !isNode(body)) return BROKEN;
      return addNode(ctx, 'concat', [current, body], {}, statement.keywordSpan);
    }
    case 'Branches':
      return expandBranches(statement, ctx, current);
  }
}

function countValue(expr: Expr, ctx: BodyCtx, what: string): number | undefined {
  const value = evaluate(expr, evalEnv(ctx));
  if (!value) return undefined;
  if (value.kind === 'symbol') return reportUnknownName(value, evalEnv(ctx));
  if (value.kind !== 'int' || value.value < 0 || value.value > MAX_REPEAT) {
    ctx.builder.report(
      diagnostic(
        'CNN2022',
        expr.span,
        `${what} must be an integer from 0 to ${MAX_REPEAT.toLocaleString('en-US')}, found ${showValue(value)}`,
      ),
    );
    return undefined;
  }
  return value.value;
}

function expandRepeat(countExpr: Expr, body: Body, ctx: BodyCtx, current: Current): Current {
  const count = countValue(countExpr, ctx, 'the count of `repeat`');
  if (count === undefined) return BROKEN;
  let cur = current;
  for (let i = 0; i < count; i++) {
    if (!countStep(ctx, countExpr.span)) return BROKEN;
    cur = expandNested(body, ctx, cur, {
      kind: 'repeat',
      name: 'repeat',
      index: i,
      span: countExpr.span,
    });
  }
  return cur;
}

function expandFor(
  statement: Extract<Statement, { kind: 'For' }>,
  ctx: BodyCtx,
  current: Current,
): Current {
  const from = countValue(statement.from, ctx, 'the start of a `for` range');
  const to = countValue(statement.to, ctx, 'the end of a `for` range');
  if (from === undefined || to === undefined) return BROKEN;
  let cur = current;
  for (let i = from; i < to; i++) {
    if (!countStep(ctx, statement.variable.span)) return BROKEN;
    const scope = new Scope(ctx.scope);
    scope.constants.set(statement.variable.name, {
      kind: 'int',
      value: i,
      span: statement.variable.span,
    });
    const step: PathStep = {
      kind: 'for',
      name: statement.variable.name,
      index: i,
      span: statement.variable.span,
    };
    cur = expandNested(statement.body, { ...ctx, scope }, cur, step);
  }
  return cur;
}

function condition(expr: Expr, ctx: BodyCtx): boolean | undefined {
  const env = evalEnv(ctx);
  const value = evaluate(expr, env);
  if (!value) return undefined;
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'symbol') return reportUnknownName(value, env);
  ctx.builder.report(
    diagnostic(
      'CNN2018',
      expr.span,
      `a condition must be \`true\` or \`false\`, found ${showValue(value)}`,
    ),
  );
  return undefined;
}

function expandIf(statement: IfStatement, ctx: BodyCtx, current: Current, idx: number): Current {
  const chosen = condition(statement.condition, ctx);
  if (chosen === undefined) return BROKEN;
  const step: PathStep = { kind: 'if', name: 'if', index: idx, span: statement.span };
  if (chosen) return expandNested(statement.then, ctx, current, step);
  if (!statement.else) return current;
  if ('kind' in statement.else) return expandIf(statement.else, ctx, current, idx);
  return expandNested(statement.else, ctx, current, step);
}

function expandResidual(
  statement: ResidualStatement,
  ctx: BodyCtx,
  current: Current,
  idx: number,
): Current {
  const bodyStep: PathStep = {
    kind: 'residual',
    name: 'residual',
    index: idx,
    span: statement.keywordSpan,
  };
  const main = expandNested(statement.body, ctx, current, bodyStep, current);
  let shortcut = current;
  const written = statement.shortcut;
  if (written) {
    const inner: BodyCtx = { ...ctx, inNode: current };
    const take = written.condition ? condition(written.condition, inner) : true;
    if (take === undefined) return BROKEN;
    const step: PathStep = {
      kind: 'shortcut',
      name: 'shortcut',
      index: idx,
      span: written.keywordSpan,
    };
    if (take) shortcut = expandNested(written.body, ctx, current, step, current);
  }
  if (!isNode(main) || !isNode(shortcut)) return BROKEN;
  return addNode(ctx, 'add', [main, shortcut], {}, statement.keywordSpan);
}

function expandBranches(
  statement: Extract<Statement, { kind: 'Branches' }>,
  ctx: BodyCtx,
  current: Current,
): Current {
  const results = statement.branches.map((branch, branchIdx) =>
    expandNested(
      branch.body,
      ctx,
      current,
      { kind: 'branch', name: 'branch', index: branchIdx, span: branch.keywordSpan },
      current,
    ),
  );
  if (results.length < 2) {
    ctx.builder.report(
      diagnostic(
        'CNN2005',
        statement.keywordSpan,
        `\`concat { … }\` needs at least two branches, found ${results.length}`,
      ),
    );
    return BROKEN;
  }
  if (!results.every(isNode)) return BROKEN;
  return addNode(ctx, 'concat', results as NodeId[], {}, statement.keywordSpan);
}

/** Warns once per `let` that nothing reads. */
export function reportUnusedLets(scope: Scope, report: (d: Diagnostic) => void): void {
  for (const [name, binding] of scope.values) {
    if (binding.kind !== 'let' || binding.used) continue;
    report(
      diagnostic('CNN2012', binding.span, `\`${name}\` is bound but never used`, {
        hints: [`use it (\`${name} -> …\`, \`add(${name}, …)\`), or remove the \`let\``],
      }),
    );
  }
}

/** The value a statement's `: [..]` describes: the bound value of a `let` or `output`. */
function assertedValue(statement: Statement, ctx: BodyCtx, current: Current): Current {
  if (statement.kind === 'Let') return ctx.scope.values.get(statement.name.name)?.node ?? BROKEN;
  if (statement.kind === 'Output' && statement.pipe)
    return ctx.model?.outputs.find((o) => o.name === statement.name.name)?.node ?? BROKEN;
  return current;
}
