// Prints expressions, pipes and argument lists in the canonical layout: `, ` between items,
// no spaces around `=` of named arguments, spaces around binary operators, ` -> ` in pipes.
// Grouping parentheses are AST nodes, so nothing is added or dropped.
import type { ArgumentList, Expr, Pipe } from '../../grammar/ast.js';

export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'Number':
      return expr.raw;
    case 'String':
      return expr.raw;
    case 'Bool':
      return String(expr.value);
    case 'Name':
      return expr.name;
    case 'InProperty':
      return `in.${expr.property.name}`;
    case 'InValue':
      return 'in';
    case 'Call':
      return `${expr.callee.name}${printArgs(expr.args)}`;
    case 'Unary':
      return expr.operator === 'not'
        ? `not ${printExpr(expr.operand)}`
        : `-${printExpr(expr.operand)}`;
    case 'Binary':
      return `${printExpr(expr.left)} ${expr.operator} ${printExpr(expr.right)}`;
    case 'Tuple':
      return expr.items.length === 1
        ? `(${printExpr(expr.items[0])},)`
        : `(${expr.items.map(printExpr).join(', ')})`;
    case 'List':
      return `[${expr.items.map(printExpr).join(', ')}]`;
    case 'Paren':
      return `(${printExpr(expr.inner)})`;
  }
}

export function printArgs(list: ArgumentList): string {
  const parts = list.args.map((arg) =>
    arg.name ? `${arg.name.name}=${printExpr(arg.value)}` : printExpr(arg.value),
  );
  return `(${parts.join(', ')})`;
}

export function printPipe(pipe: Pipe): string {
  return pipe.elements
    .map((element) => {
      if (element.kind === 'In') return 'in';
      return element.args
        ? `${element.callee.name}${printArgs(element.args)}`
        : element.callee.name;
    })
    .join(' -> ');
}
