// Compile-time values: what constants, block parameters, loop variables and layer arguments
// evaluate to. Every value keeps the span of the expression it came from, so argument errors
// can point at the argument itself.
import type { Span } from '../diagnostics/diagnostic.js';

export type Value =
  | { kind: 'int'; value: number; span: Span }
  | { kind: 'float'; value: number; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'string'; value: string; span: Span }
  /** A bare identifier that names no constant, such as `same`, `global` or `he`. */
  | { kind: 'symbol'; name: string; span: Span }
  /** `(a, b)`: per-dimension values such as a kernel `(3, 5)`. */
  | { kind: 'tuple'; items: Value[]; span: Span }
  /** `[a, b, c, d]`: explicit sides for padding, or a shape. */
  | { kind: 'list'; items: Value[]; span: Span }
  /** `sgd(lr=0.1)`: a configuration constructor in a `train` section. */
  | { kind: 'call'; name: string; positional: Value[]; named: NamedValue[]; span: Span };

export interface NamedValue {
  name: string;
  nameSpan: Span;
  value: Value;
}

export type ValueKind = Value['kind'];

/** Renders a value as the user would write it, for messages. */
export function showValue(value: Value): string {
  switch (value.kind) {
    case 'int':
    case 'float':
      return formatNumber(value.value);
    case 'bool':
      return String(value.value);
    case 'string':
      return JSON.stringify(value.value);
    case 'symbol':
      return value.name;
    case 'tuple':
      return `(${value.items.map(showValue).join(', ')})`;
    case 'list':
      return `[${value.items.map(showValue).join(', ')}]`;
    case 'call': {
      const parts = [
        ...value.positional.map(showValue),
        ...value.named.map((n) => `${n.name}=${showValue(n.value)}`),
      ];
      return `${value.name}(${parts.join(', ')})`;
    }
  }
}

/** Formats a number the way the language writes it (no trailing `.0` noise, exponents kept). */
export function formatNumber(n: number): string {
  return String(n);
}

/** A short description of a value's kind, for "expected an integer, found …" messages. */
export function describeKind(value: Value): string {
  switch (value.kind) {
    case 'int':
      return `the integer ${value.value}`;
    case 'float':
      return `the number ${formatNumber(value.value)}`;
    case 'bool':
      return `the boolean ${value.value}`;
    case 'string':
      return `the string ${JSON.stringify(value.value)}`;
    case 'symbol':
      return `\`${value.name}\``;
    case 'tuple':
      return `the tuple ${showValue(value)}`;
    case 'list':
      return `the list ${showValue(value)}`;
    case 'call':
      return `\`${value.name}(…)\``;
  }
}

export function isNumeric(value: Value): value is Extract<Value, { kind: 'int' | 'float' }> {
  return value.kind === 'int' || value.kind === 'float';
}
