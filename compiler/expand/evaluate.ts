// Compile-time evaluation of expressions: constants, block parameters, loop variables,
// arithmetic, comparisons, `min max floor ceil`, tuples, lists and `in.*` shape properties.
// A result of `undefined` means an error was reported here or upstream; callers skip silently.
import type { Expr } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { GraphNode } from '../ir/graph.js';
import { isNumeric, showValue, type NamedValue, type Value } from '../ir/value.js';
import { suggest } from '../util/edit-distance.js';
import type { Declarations } from './declarations.js';
import { evaluateBinary } from './operators.js';
import type { Scope } from './scope.js';

export interface EvalEnv {
  decls: Declarations;
  scope: Scope;
  /** The value that entered the innermost block or body, for `in.*`; absent in a model body. */
  inNode?: GraphNode;
  /** The node `in` is missing for a reason already reported (a broken input). */
  inBroken?: boolean;
  /** Calls to unknown functions build configuration values (`sgd(lr=0.1)` in `train`). */
  constructors?: boolean;
  report: (d: Diagnostic) => void;
}

const BUILTINS = ['min', 'max', 'floor', 'ceil'];

export function evaluate(expr: Expr, env: EvalEnv): Value | undefined {
  const span = expr.span;
  switch (expr.kind) {
    case 'Number':
      return expr.isInteger
        ? { kind: 'int', value: expr.value, span }
        : { kind: 'float', value: expr.value, span };
    case 'String':
      return { kind: 'string', value: expr.value, span };
    case 'Bool':
      return { kind: 'bool', value: expr.value, span };
    case 'Name':
      return evaluateName(expr.name, span, env);
    case 'Paren': {
      const inner = evaluate(expr.inner, env);
      return inner && { ...inner, span };
    }
    case 'Tuple':
    case 'List': {
      const items = evaluateAll(expr.items, env);
      if (!items) return undefined;
      return { kind: expr.kind === 'Tuple' ? 'tuple' : 'list', items, span };
    }
    case 'Unary':
      return evaluateUnary(expr.operator, expr.operand, span, env);
    case 'Binary': {
      const left = evaluate(expr.left, env);
      const right = evaluate(expr.right, env);
      if (!left || !right) return undefined;
      return evaluateBinary(expr.operator, left, right, span, env.report, (symbol) =>
        reportUnknownName(symbol, env),
      );
    }
    case 'Call':
      return evaluateCall(expr, env);
    case 'InProperty':
      return evaluateInProperty(expr.property.name, expr.property.span, span, env);
    case 'InValue':
      env.report(
        diagnostic('CNN2017', span, '`in` is a value of the graph, not a number', {
          hints: ['use `in.channels`, `in.height`, … for its shape'],
        }),
      );
      return undefined;
  }
}

export function evaluateAll(exprs: readonly Expr[], env: EvalEnv): Value[] | undefined {
  const values = exprs.map((item) => evaluate(item, env));
  return values.every((v) => v !== undefined) ? (values as Value[]) : undefined;
}

function evaluateName(name: string, span: Span, env: EvalEnv): Value | undefined {
  const local = env.scope.lookupConstant(name);
  if (local) return { ...local, span };
  const constant = env.decls.consts.get(name);
  if (constant) {
    const value = evaluateConst(name, env);
    return value && { ...value, span };
  }
  if (env.scope.lookupValue(name)) {
    env.report(
      diagnostic(
        'CNN2017',
        span,
        `\`${name}\` is a value of the graph, not a compile-time number`,
        {
          hints: [`a layer argument needs a number; use \`in.channels\` or a \`const\` for sizes`],
        },
      ),
    );
    return undefined;
  }
  return { kind: 'symbol', name, span };
}

/** Constants defined through constants: evaluation recurses once per link of such a chain. */
export const MAX_CONSTANT_DEPTH = 64;
let constantDepth = 0;

/** Evaluates a top-level constant once, reporting cycles between constants. */
export function evaluateConst(name: string, env: EvalEnv): Value | undefined {
  const entry = env.decls.consts.get(name);
  if (!entry) return undefined;
  if (entry.state === 'done' || entry.state === 'failed') return entry.value;
  if (entry.state === 'pending' && constantDepth >= MAX_CONSTANT_DEPTH) {
    if (!env.decls.tooDeepReported)
      env.report(
        diagnostic(
          'CNN2029',
          entry.item.name.span,
          `constants nested too deeply: \`${name}\` is reached through a chain of ${MAX_CONSTANT_DEPTH} constants, the most cnnc evaluates`,
          { hints: ['define constants from numbers or from shorter chains of constants'] },
        ),
      );
    env.decls.tooDeepReported = true;
    entry.state = 'failed';
    return undefined;
  }
  constantDepth++;
  try {
    return evaluatePendingConst(name, entry, env);
  } finally {
    constantDepth--;
  }
}

function evaluatePendingConst(
  name: string,
  entry: NonNullable<ReturnType<EvalEnv['decls']['consts']['get']>>,
  env: EvalEnv,
): Value | undefined {
  if (entry.state === 'evaluating') {
    env.report(
      diagnostic(
        'CNN2018',
        entry.item.name.span,
        `constant \`${name}\` is defined in terms of itself`,
      ),
    );
    entry.state = 'failed';
    return undefined;
  }
  entry.state = 'evaluating';
  const constEnv: EvalEnv = { decls: env.decls, scope: env.scope.root(), report: env.report };
  const value = evaluate(entry.item.value, constEnv);
  if (entry.state === 'evaluating') entry.state = value ? 'done' : 'failed';
  entry.value = value;
  return value;
}

function evaluateUnary(
  operator: '-' | 'not',
  operand: Expr,
  span: Span,
  env: EvalEnv,
): Value | undefined {
  const value = evaluate(operand, env);
  if (!value) return undefined;
  if (operator === '-' && isNumeric(value)) return { ...value, value: -value.value, span };
  if (operator === 'not' && value.kind === 'bool')
    return { kind: 'bool', value: !value.value, span };
  if (value.kind === 'symbol') return reportUnknownName(value, env);
  const expected = operator === '-' ? 'a number' : 'a boolean';
  env.report(
    diagnostic('CNN2018', span, `\`${operator}\` needs ${expected}, found ${showValue(value)}`),
  );
  return undefined;
}

/** Reports a bare identifier used where a number or boolean is needed. */
export function reportUnknownName(
  value: Extract<Value, { kind: 'symbol' }>,
  env: EvalEnv,
): undefined {
  const candidates = [...env.scope.visibleNames(), ...env.decls.consts.keys()];
  const guess = suggest(value.name, candidates);
  env.report(
    diagnostic('CNN2003', value.span, `unknown name \`${value.name}\``, {
      hints: guess ? [`did you mean \`${guess}\`?`] : [],
    }),
  );
  return undefined;
}

function evaluateCall(expr: Extract<Expr, { kind: 'Call' }>, env: EvalEnv): Value | undefined {
  const name = expr.callee.name;
  const positional: Value[] = [];
  const named: NamedValue[] = [];
  let failed = false;
  for (const arg of expr.args.args) {
    const value = evaluate(arg.value, env);
    if (!value) failed = true;
    else if (arg.name) named.push({ name: arg.name.name, nameSpan: arg.name.span, value });
    else positional.push(value);
  }
  if (failed) return undefined;
  if (BUILTINS.includes(name)) return evaluateBuiltin(name, positional, named, expr.span, env);
  if (env.constructors) return { kind: 'call', name, positional, named, span: expr.span };
  const guess = suggest(name, BUILTINS);
  env.report(
    diagnostic('CNN2003', expr.callee.span, `unknown function \`${name}\``, {
      hints: [
        guess
          ? `did you mean \`${guess}\`?`
          : 'expressions may call `min`, `max`, `floor` and `ceil`',
      ],
    }),
  );
  return undefined;
}

function evaluateBuiltin(
  name: string,
  positional: Value[],
  named: NamedValue[],
  span: Span,
  env: EvalEnv,
): Value | undefined {
  const bad = named[0]?.value ?? positional.find((v) => !isNumeric(v));
  if (bad) {
    if (bad.kind === 'symbol' && !named[0]) return reportUnknownName(bad, env);
    env.report(
      diagnostic('CNN2018', bad.span, `\`${name}\` takes numbers, found ${showValue(bad)}`),
    );
    return undefined;
  }
  const numbers = positional as Extract<Value, { kind: 'int' | 'float' }>[];
  const arity = name === 'floor' || name === 'ceil' ? 1 : undefined;
  if ((arity && numbers.length !== arity) || numbers.length === 0) {
    const wanted = arity ? 'one number' : 'at least one number';
    env.report(diagnostic('CNN2018', span, `\`${name}\` takes ${wanted}, found ${numbers.length}`));
    return undefined;
  }
  if (name === 'floor' || name === 'ceil') {
    const result = name === 'floor' ? Math.floor(numbers[0].value) : Math.ceil(numbers[0].value);
    return { kind: 'int', value: result, span };
  }
  const pick = numbers.reduce((best, n) =>
    name === 'min' ? (n.value < best.value ? n : best) : n.value > best.value ? n : best,
  );
  const allInts = numbers.every((n) => n.kind === 'int');
  return { kind: allInts ? 'int' : 'float', value: pick.value, span };
}

const PROPERTIES: Record<string, (rank: number) => number | undefined> = {
  channels: (rank) => (rank >= 2 ? 0 : undefined),
  features: (rank) => (rank === 1 ? 0 : undefined),
  length: (rank) => (rank === 2 ? 1 : undefined),
  depth: (rank) => (rank === 4 ? 1 : undefined),
  height: (rank) => (rank === 3 ? 1 : rank === 4 ? 2 : undefined),
  width: (rank) => (rank === 3 ? 2 : rank === 4 ? 3 : undefined),
};

function evaluateInProperty(
  property: string,
  propertySpan: Span,
  span: Span,
  env: EvalEnv,
): Value | undefined {
  const axis = PROPERTIES[property];
  if (!axis) {
    const guess = suggest(property, Object.keys(PROPERTIES));
    env.report(
      diagnostic('CNN2003', propertySpan, `\`in\` has no property \`${property}\``, {
        hints: [
          guess
            ? `did you mean \`in.${guess}\`?`
            : `properties: ${Object.keys(PROPERTIES).join(', ')}`,
        ],
      }),
    );
    return undefined;
  }
  if (env.inBroken) return undefined;
  if (!env.inNode) {
    env.report(
      diagnostic(
        'CNN2019',
        span,
        '`in` is only defined inside a block, `residual`, `shortcut`, `branch` or `dense` body',
      ),
    );
    return undefined;
  }
  const shape = env.inNode.shape;
  if (!shape) return undefined;
  const idx = axis(shape.length);
  if (idx === undefined) {
    env.report(
      diagnostic(
        'CNN3003',
        span,
        `\`in.${property}\` is not defined for a value of shape [${shape.join(', ')}]`,
        {
          notes: [
            '`channels` needs [C, …], `length` [C, L], `height`/`width` [C, H, W] or [C, D, H, W], `features` [F]',
          ],
        },
      ),
    );
    return undefined;
  }
  return { kind: 'int', value: shape[idx], span };
}
