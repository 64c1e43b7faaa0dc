// Expressions from CST to AST: the precedence levels of the grammar become nested Binary nodes.
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { joinSpans } from './span.js';
import { AstBuilder, child, nodes, token, tokens } from './build-ast.js';

const operatorTokens: Record<string, A.BinaryOperator> = {
  OrKeyword: 'or',
  AndKeyword: 'and',
  EqEq: '==',
  NotEq: '!=',
  LtEq: '<=',
  GtEq: '>=',
  Lt: '<',
  Gt: '>',
  Plus: '+',
  Minus: '-',
  Star: '*',
  Slash: '/',
  Percent: '%',
};

/** Operand rule and operator token names of each left-associative level. */
const levels: Record<string, { operand: string; operators: string[] }> = {
  expression: { operand: 'andExpression', operators: ['OrKeyword'] },
  andExpression: { operand: 'notExpression', operators: ['AndKeyword'] },
  comparison: { operand: 'additive', operators: ['EqEq', 'NotEq', 'LtEq', 'GtEq', 'Lt', 'Gt'] },
  additive: { operand: 'multiplicative', operators: ['Plus', 'Minus'] },
  multiplicative: { operand: 'unary', operators: ['Star', 'Slash', 'Percent'] },
};

/**
 * How deep an expression may nest (operators, calls, tuples, lists). Evaluation, formatting and
 * hovers recurse on expressions; a 7,000-term sum used to overflow the stack.
 */
export const MAX_EXPRESSION_DEPTH = 256;

export function buildExpr(b: AstBuilder, node: CstNode | undefined): A.Expr | undefined {
  const expr = buildExprUnchecked(b, node);
  return expr && limitDepth(b, expr);
}

/** Records the depth of `expr` from its children's; refuses (once per file) one too deep. */
function limitDepth(b: AstBuilder, expr: A.Expr): A.Expr | undefined {
  const children: (A.Expr | undefined)[] =
    expr.kind === 'Binary'
      ? [expr.left, expr.right]
      : expr.kind === 'Unary'
        ? [expr.operand]
        : expr.kind === 'Paren'
          ? [expr.inner]
          : expr.kind === 'Tuple' || expr.kind === 'List'
            ? expr.items
            : expr.kind === 'Call'
              ? expr.args.args.map((arg) => arg.value)
              : [];
  let depth = 1;
  for (const item of children) depth = Math.max(depth, 1 + (b.depths.get(item ?? {}) ?? 1));
  b.depths.set(expr, depth);
  if (depth <= MAX_EXPRESSION_DEPTH) return expr;
  if (!b.tooDeep)
    b.problems.push({
      kind: 'too-deep',
      message: `expression nested too deeply: more than ${MAX_EXPRESSION_DEPTH} levels of operators, calls, tuples or lists`,
      span: expr.span,
    });
  b.tooDeep = true;
  return undefined;
}

function buildExprUnchecked(b: AstBuilder, node: CstNode | undefined): A.Expr | undefined {
  if (!node) return undefined;
  const level = levels[node.name];
  if (level) return buildBinaryLevel(b, node, level.operand, level.operators);
  switch (node.name) {
    case 'notExpression': {
      const notToken = token(node, 'NotKeyword');
      if (!notToken) return buildExpr(b, child(node, 'comparison'));
      return unary(b, 'not', notToken, buildExpr(b, child(node, 'notExpression')));
    }
    case 'unary': {
      const minus = token(node, 'Minus');
      if (!minus) return buildExpr(b, child(node, 'primary'));
      return unary(b, '-', minus, buildExpr(b, child(node, 'unary')));
    }
    case 'primary':
      return buildPrimary(b, node);
  }
  return undefined;
}

function unary(
  b: AstBuilder,
  operator: A.UnaryOperator,
  opToken: IToken,
  operand: A.Expr | undefined,
): A.Expr | undefined {
  if (!operand) return undefined;
  return limitDepth(b, {
    kind: 'Unary',
    operator,
    operand,
    span: joinSpans(b.tokenSpan(opToken), operand.span),
  });
}

function buildBinaryLevel(
  b: AstBuilder,
  node: CstNode,
  operandRule: string,
  operatorNames: string[],
): A.Expr | undefined {
  const operands = nodes(node, operandRule);
  const operators = operatorNames
    .flatMap((name) => tokens(node, name).map((tok) => ({ tok, op: operatorTokens[name] })))
    .sort((x, y) => x.tok.startOffset - y.tok.startOffset);
  let acc = buildExpr(b, operands[0]);
  for (let idx = 1; idx < operands.length && acc; idx++) {
    const right = buildExpr(b, operands[idx]);
    const operator = operators[idx - 1];
    if (!right || !operator) return undefined;
    acc = limitDepth(b, {
      kind: 'Binary',
      operator: operator.op,
      left: acc,
      right,
      span: joinSpans(acc.span, right.span),
    });
  }
  return acc;
}

function buildPrimary(b: AstBuilder, node: CstNode): A.Expr | undefined {
  const span = b.nodeSpan(node);
  const num = token(node, 'NumberLiteral');
  if (num) {
    const isInteger = /^\d+$/.test(num.image);
    const value = Number(num.image);
    const problem = numberProblem(num.image, value, isInteger);
    if (problem) {
      b.problems.push({ kind: 'number-too-large', message: problem, span });
      return undefined;
    }
    return { kind: 'Number', value, isInteger, raw: num.image, span };
  }
  const str = token(node, 'StringLiteral');
  if (str) return { kind: 'String', value: parseString(str.image), raw: str.image, span };
  if (token(node, 'TrueKeyword')) return { kind: 'Bool', value: true, span };
  if (token(node, 'FalseKeyword')) return { kind: 'Bool', value: false, span };
  const inRef = child(node, 'inReference');
  if (inRef) {
    const property = b.ident(token(inRef, 'Identifier'));
    if (property) return { kind: 'InProperty', property, span: b.nodeSpan(inRef) };
    return { kind: 'InValue', span: b.nodeSpan(inRef) };
  }
  const name = b.ident(token(node, 'Identifier'));
  if (name) {
    const argsNode = child(node, 'argumentList');
    if (!argsNode) return { kind: 'Name', name: name.name, span };
    return { kind: 'Call', callee: name, args: buildArgumentList(b, argsNode), span };
  }
  const tuple = child(node, 'tupleLiteral');
  if (tuple) return buildTuple(b, tuple);
  const list = child(node, 'listLiteral');
  if (list) return buildList(b, list);
  return undefined;
}

/**
 * Integers must be exact (at most 2^53 - 1, where a float64 still counts by one) and every number
 * finite: `1e309` would become Infinity and a 100,000-digit integer a rounded float.
 */
function numberProblem(raw: string, value: number, isInteger: boolean): string | undefined {
  const shown = raw.length > 24 ? `${raw.slice(0, 20)}…\` (${raw.length} characters` : `${raw}\``;
  const written = raw.length > 24 ? `${shown})` : shown;
  if (isInteger && !Number.isSafeInteger(value))
    return `integer \`${written} is too large: integers may be at most 2^53 - 1 = 9,007,199,254,740,991`;
  if (!Number.isFinite(value)) return `number \`${written} is too large to represent`;
  return undefined;
}

function buildTuple(b: AstBuilder, node: CstNode): A.Expr | undefined {
  const items = buildItems(b, node, nodes(node, 'expression'));
  if (!items) return undefined;
  const span = b.nodeSpan(node);
  // `(x)` is grouping; `(x,)` and `(x, y)` are tuples.
  if (items.length === 1 && tokens(node, 'Comma').length === 0)
    return { kind: 'Paren', inner: items[0], span };
  return { kind: 'Tuple', items, span };
}

export function buildList(b: AstBuilder, node: CstNode): A.ListExpr | undefined {
  const items = buildItems(b, node, nodes(node, 'expression'));
  return items ? { kind: 'List', items, span: b.nodeSpan(node) } : undefined;
}

function buildItems(b: AstBuilder, node: CstNode, itemNodes: CstNode[]): A.Expr[] | undefined {
  b.checkCommas(tokens(node, 'Comma'), itemNodes);
  const items: A.Expr[] = [];
  for (const itemNode of itemNodes) {
    const item = buildExpr(b, itemNode);
    if (!item) return undefined;
    items.push(item);
  }
  return items;
}

export function buildArgumentList(b: AstBuilder, node: CstNode): A.ArgumentList {
  const argNodes = nodes(node, 'argument');
  b.checkCommas(tokens(node, 'Comma'), argNodes);
  const args: A.Argument[] = [];
  for (const argNode of argNodes) {
    const value = buildExpr(b, child(argNode, 'expression'));
    if (!value) continue;
    const arg: A.Argument = { value, span: b.nodeSpan(argNode) };
    const name = b.ident(token(argNode, 'Identifier'));
    if (name) arg.name = name;
    args.push(arg);
  }
  return { args, span: b.nodeSpan(node) };
}

function parseString(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}
