// Checks one layer argument's value against its declared type and range, with messages that
// name the layer, the argument and the value as written.
import { diagnostic } from '../diagnostics/catalog.js';
import { formatNumber, showValue, type Value } from '../ir/value.js';
import type { ArgSpec, ArgType } from '../layers/types.js';
import { suggest } from '../util/edit-distance.js';
import { reportUnknownName, type EvalEnv } from './evaluate.js';

interface Problem {
  code: 'CNN2007' | 'CNN2008';
  expected: string;
  /** The offending value (an item of a tuple, say), for the span. */
  at: Value;
  hint?: string;
}

/** Returns the value (floats normalised) if it fits `argSpec`, else reports and returns undefined. */
export function checkArgType(
  calleeName: string,
  argSpec: ArgSpec,
  value: Value,
  env: EvalEnv,
): Value | undefined {
  const problem = check(argSpec.type, value);
  if (!problem) return normalise(argSpec.type, value);
  const at = problem.at;
  if (
    at.kind === 'symbol' &&
    problem.code === 'CNN2007' &&
    !acceptsSymbols(argSpec.type) &&
    !problem.hint
  )
    return reportUnknownName(at, env);
  const verb = problem.code === 'CNN2008' ? 'must be' : 'expects';
  env.report(
    diagnostic(
      problem.code,
      at.span,
      `\`${argSpec.name}\` of \`${calleeName}\` ${verb} ${problem.expected}, found ${showValue(at)}`,
      {
        hints: problem.hint ? [problem.hint] : [],
      },
    ),
  );
  return undefined;
}

function acceptsSymbols(type: ArgType): boolean {
  if (type.kind === 'enum') return true;
  if (type.kind === 'pad') return type.modes;
  if (type.kind === 'oneOf') return type.types.some(acceptsSymbols);
  return false;
}

function normalise(type: ArgType, value: Value): Value {
  if (type.kind === 'float' && value.kind === 'int') return { ...value, kind: 'float' };
  if (type.kind === 'numbers') return normaliseNumbers(value);
  if (type.kind === 'oneOf') {
    const fitting = type.types.find((t) => check(t, value) === undefined);
    return fitting ? normalise(fitting, value) : value;
  }
  return value;
}

function check(type: ArgType, value: Value): Problem | undefined {
  switch (type.kind) {
    case 'int':
      return checkInt(value, type.min, type.max, 'an integer');
    case 'float':
      return checkFloat(type, value);
    case 'bool':
      if (value.kind === 'bool') return undefined;
      return { code: 'CNN2007', expected: '`true` or `false`', at: value, hint: boolHint(value) };
    case 'spatial':
      return checkSpatial(value, type.min);
    case 'pad':
      return checkPad(value, type.modes);
    case 'enum':
      return checkEnum(value, type.values);
    case 'numbers':
      return checkNumbers(type, value);
    case 'oneOf': {
      let last: Problem | undefined;
      for (const alternative of type.types) {
        last = check(alternative, value);
        if (!last) return undefined;
      }
      return last;
    }
  }
}

function boolHint(value: Value): string | undefined {
  if (value.kind !== 'symbol') return undefined;
  const lower = value.name.toLowerCase();
  if (lower === 'true' || lower === 'false') return `write \`${lower}\` (lower case)`;
  const guess = suggest(lower, ['true', 'false']);
  return guess ? `did you mean \`${guess}\`?` : undefined;
}

function checkInt(
  value: Value,
  min: number | undefined,
  max: number | undefined,
  what: string,
): Problem | undefined {
  if (value.kind === 'float' && Number.isInteger(value.value))
    return { code: 'CNN2007', expected: what, at: value, hint: `write \`${value.value}\`` };
  if (value.kind === 'float')
    return {
      code: 'CNN2007',
      expected: what,
      at: value,
      hint: 'use `floor(…)` or `ceil(…)` to round',
    };
  if (value.kind !== 'int') return { code: 'CNN2007', expected: what, at: value };
  if (min !== undefined && value.value < min)
    return { code: 'CNN2008', expected: rangeText(min, max, what), at: value };
  if (max !== undefined && value.value > max)
    return { code: 'CNN2008', expected: rangeText(min, max, what), at: value };
  return undefined;
}

function rangeText(min: number | undefined, max: number | undefined, what: string): string {
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of at least ${min}`;
  return `${what} of at most ${max}`;
}

function checkFloat(type: Extract<ArgType, { kind: 'float' }>, value: Value): Problem | undefined {
  if (value.kind !== 'int' && value.kind !== 'float')
    return { code: 'CNN2007', expected: 'a number', at: value };
  const n = value.value;
  const low = type.min === undefined || (type.minExclusive ? n > type.min : n >= type.min);
  const high = type.max === undefined || (type.maxExclusive ? n < type.max : n <= type.max);
  if (low && high) return undefined;
  const open = type.minExclusive ? '(' : '[';
  const close = type.maxExclusive ? ')' : ']';
  const lo = type.min === undefined ? '−∞' : formatNumber(type.min);
  const hi = type.max === undefined ? '∞' : formatNumber(type.max);
  return { code: 'CNN2008', expected: `in ${open}${lo}, ${hi}${close}`, at: value };
}

function checkSpatial(value: Value, min: number): Problem | undefined {
  const what =
    min > 0 ? 'a positive integer or a tuple of them' : 'a non-negative integer or a tuple of them';
  if (value.kind === 'tuple') {
    if (value.items.length === 0) return { code: 'CNN2007', expected: what, at: value };
    for (const item of value.items) {
      const problem = checkInt(item, min, undefined, 'an integer');
      if (problem)
        return { ...problem, expected: problem.code === 'CNN2008' ? `at least ${min}` : what };
    }
    return undefined;
  }
  const problem = checkInt(value, min, undefined, 'an integer');
  return problem && { ...problem, expected: problem.code === 'CNN2008' ? `at least ${min}` : what };
}

const PAD_MODES = ['valid', 'same', 'full'];

function checkPad(value: Value, modes: boolean): Problem | undefined {
  const what = modes
    ? 'an integer, a tuple, `valid`, `same`, `full` or sides `[top, bottom, left, right]`'
    : 'an integer, a tuple or sides `[top, bottom, left, right]`';
  if (value.kind === 'symbol') {
    if (modes && PAD_MODES.includes(value.name)) return undefined;
    const guess = modes ? suggest(value.name, PAD_MODES) : undefined;
    return {
      code: 'CNN2007',
      expected: what,
      at: value,
      hint: guess && `did you mean \`${guess}\`?`,
    };
  }
  if (value.kind === 'list') {
    if (value.items.length === 0 || value.items.length % 2 !== 0)
      return { code: 'CNN2007', expected: 'two sides per spatial dimension', at: value };
    for (const item of value.items) {
      const problem = checkInt(item, 0, undefined, 'an integer');
      if (problem)
        return { ...problem, expected: problem.code === 'CNN2008' ? 'at least 0' : what };
    }
    return undefined;
  }
  const problem = checkSpatial(value, 0);
  return problem && { ...problem, expected: problem.code === 'CNN2008' ? 'at least 0' : what };
}

function checkEnum(value: Value, values: readonly string[]): Problem | undefined {
  const list = values.map((v) => `\`${v}\``).join(', ');
  if (value.kind === 'symbol' && values.includes(value.name)) return undefined;
  const guess = value.kind === 'symbol' ? suggest(value.name, values) : undefined;
  return {
    code: 'CNN2007',
    expected: values.length === 1 ? `\`${values[0]}\`` : `one of ${list}`,
    at: value,
    hint: guess ? `did you mean \`${guess}\`?` : undefined,
  };
}

function normaliseNumbers(value: Value): Value {
  const float = (item: Value): Value => (item.kind === 'int' ? { ...item, kind: 'float' } : item);
  if (value.kind === 'list') return { ...value, items: value.items.map(float) };
  return float(value);
}

/** A number or a non-empty list of numbers (`normalize`'s `mean` and `std`), each in range. */
function checkNumbers(
  type: Extract<ArgType, { kind: 'numbers' }>,
  value: Value,
): Problem | undefined {
  const what = 'a number or a list of numbers (one per channel)';
  const range: Extract<ArgType, { kind: 'float' }> = { ...type, kind: 'float' };
  if (value.kind === 'list') {
    if (value.items.length === 0) return { code: 'CNN2007', expected: what, at: value };
    for (const item of value.items) {
      const problem = checkFloat(range, item);
      if (problem) return problem.code === 'CNN2007' ? { ...problem, expected: what } : problem;
    }
    return undefined;
  }
  const problem = checkFloat(range, value);
  return problem && (problem.code === 'CNN2007' ? { ...problem, expected: what } : problem);
}
