// Binary operators of compile-time expressions. Integer division is exact or yields a float, so
// `c / 2` is an integer when `c` is even and an argument error otherwise (use `floor`).
import type { BinaryOperator } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import { isNumeric, showValue, type Value } from '../ir/value.js';

type Num = Extract<Value, { kind: 'int' | 'float' }>;

function numberValue(value: number, integer: boolean, span: Span): Value {
  return integer && Number.isInteger(value)
    ? { kind: 'int', value, span }
    : { kind: 'float', value, span };
}

function arithmetic(
  operator: BinaryOperator,
  left: Num,
  right: Num,
  span: Span,
  report: (d: Diagnostic) => void,
): Value | undefined {
  const ints = left.kind === 'int' && right.kind === 'int';
  const a = left.value;
  const b = right.value;
  if ((operator === '/' || operator === '%') && b === 0) {
    report(
      diagnostic(
        'CNN2018',
        span,
        `division by zero in \`${showValue(left)} ${operator} ${showValue(right)}\``,
      ),
    );
    return undefined;
  }
  const result = compute(operator, a, b);
  if (result === undefined) return undefined;
  const integer = ints && (operator !== '/' || a % b === 0);
  // Integers are exact up to 2^53 - 1 and floats finite; past that a size would be silently
  // rounded (or Infinity), so the expression is refused where it overflows.
  if ((integer && !Number.isSafeInteger(result)) || !Number.isFinite(result)) {
    const what = integer
      ? 'is past the largest exact integer, 2^53 - 1 = 9,007,199,254,740,991'
      : 'is not a finite number';
    report(
      diagnostic(
        'CNN2018',
        span,
        `\`${showValue(left)} ${operator} ${showValue(right)}\` = ${result.toPrecision(3)} ${what}`,
      ),
    );
    return undefined;
  }
  return numberValue(result, integer, span);
}

function compute(operator: BinaryOperator, a: number, b: number): number | undefined {
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a - b * Math.floor(a / b);
  }
  return undefined;
}

function compare(operator: BinaryOperator, a: number, b: number): boolean {
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function sameValue(left: Value, right: Value): boolean {
  if (isNumeric(left) && isNumeric(right)) return left.value === right.value;
  return showValue(left) === showValue(right) && left.kind === right.kind;
}

/** Applies `operator`; reports type errors (e.g. `true + 1`) with the operands as written. */
export function evaluateBinary(
  operator: BinaryOperator,
  left: Value,
  right: Value,
  span: Span,
  report: (d: Diagnostic) => void,
  unknownName: (symbol: Extract<Value, { kind: 'symbol' }>) => undefined,
): Value | undefined {
  if (operator === '==' || operator === '!=') {
    const symbolic = left.kind === 'symbol' || right.kind === 'symbol';
    if (!symbolic || (left.kind === 'symbol' && right.kind === 'symbol')) {
      const equal = sameValue(left, right);
      return { kind: 'bool', value: operator === '==' ? equal : !equal, span };
    }
  }
  if (operator === 'and' || operator === 'or') {
    if (left.kind === 'bool' && right.kind === 'bool') {
      const value = operator === 'and' ? left.value && right.value : left.value || right.value;
      return { kind: 'bool', value, span };
    }
    return typeError(operator, 'booleans', left, right, span, report, unknownName);
  }
  if (!isNumeric(left) || !isNumeric(right))
    return typeError(operator, 'numbers', left, right, span, report, unknownName);
  if (['<', '<=', '>', '>='].includes(operator))
    return { kind: 'bool', value: compare(operator, left.value, right.value), span };
  return arithmetic(operator, left, right, span, report);
}

function typeError(
  operator: string,
  wanted: string,
  left: Value,
  right: Value,
  span: Span,
  report: (d: Diagnostic) => void,
  unknownName: (symbol: Extract<Value, { kind: 'symbol' }>) => undefined,
): undefined {
  const offender = [left, right].find((v) => v.kind === 'symbol');
  if (offender && offender.kind === 'symbol') return unknownName(offender);
  report(
    diagnostic(
      'CNN2018',
      span,
      `\`${operator}\` needs ${wanted}, found ${showValue(left)} and ${showValue(right)}`,
    ),
  );
  return undefined;
}
