// Finds the call the cursor is in from the text alone, since the text being typed rarely parses:
// scan back to the innermost unclosed `(` after a name, counting the arguments before the cursor.
// Completion and signature help both use it.

/** The call around the cursor. */
export interface CallContext {
  callee: string;
  /** Index of the argument under the cursor (commas before it at the call's depth). */
  argIndex: number;
  /** Names of the named arguments already written before the cursor. */
  named: string[];
  /**
   * The arguments written anywhere in the call (before or after the cursor) other than the one
   * under it: their names, and the positions of those written by position (position `i` binds the
   * `i`-th parameter).
   */
  given: { named: string[]; positional: number[] };
  /** The argument being typed: its name when written `name=`, and the text typed so far. */
  current: { name?: string; prefix: string };
}

const MAX_SCAN = 4000;

/** The call whose argument list contains `offset`, if any. */
export function callContextAt(text: string, offset: number): CallContext | undefined {
  let depth = 0;
  const stop = Math.max(0, offset - MAX_SCAN);
  for (let idx = offset - 1; idx >= stop; idx--) {
    const char = text[idx];
    if (char === ')' || char === ']') depth++;
    else if (char === '[') depth--;
    else if (char === '{' || char === '}') return undefined;
    else if (char === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      const callee = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text.slice(Math.max(0, idx - 100), idx));
      if (!callee) return undefined;
      const call = describeArgs(callee[1], text.slice(idx + 1, offset));
      return { ...call, given: givenArguments(text, idx + 1, offset) };
    }
  }
  return undefined;
}

/** The offset of the `)` closing the call whose arguments start at `from`, or the scan limit. */
function closingParen(text: string, from: number): number {
  let depth = 0;
  const stop = Math.min(text.length, from + MAX_SCAN);
  for (let idx = from; idx < stop; idx++) {
    const char = text[idx];
    if (char === '(' || char === '[') depth++;
    else if (char === ']') depth--;
    else if (char === '{' || char === '}') return idx;
    else if (char === ')') {
      if (depth === 0) return idx;
      depth--;
    }
  }
  return stop;
}

/** The arguments of the whole call except the one containing `offset`. */
function givenArguments(
  text: string,
  start: number,
  offset: number,
): { named: string[]; positional: number[] } {
  const before = splitArguments(text.slice(start, offset));
  const after = splitArguments(text.slice(offset, closingParen(text, offset)));
  const current = before.length - 1;
  const parts = [...before.slice(0, -1), before[current] + after[0], ...after.slice(1)];
  const named: string[] = [];
  const positional: number[] = [];
  let sawNamed = false;
  parts.forEach((part, idx) => {
    const name = /^\s*([A-Za-z_]\w*)\s*=/.exec(part)?.[1];
    sawNamed ||= name !== undefined;
    if (idx === current) return;
    if (name !== undefined) named.push(name);
    else if (!sawNamed && part.trim() !== '') positional.push(idx);
  });
  return { named, positional };
}

/** Splits argument text at top-level commas. */
function splitArguments(inside: string): string[] {
  const parts: string[] = [''];
  let depth = 0;
  for (const char of inside) {
    if (char === '(' || char === '[') depth++;
    if (char === ')' || char === ']') depth--;
    if (char === ',' && depth === 0) parts.push('');
    else parts[parts.length - 1] += char;
  }
  return parts;
}

/** The argument under the cursor and the arguments before it. */
function describeArgs(callee: string, inside: string): Omit<CallContext, 'given'> {
  const parts = splitArguments(inside);
  const named = parts
    .slice(0, -1)
    .flatMap((part) => /^\s*([A-Za-z_]\w*)\s*=/.exec(part)?.[1] ?? []);
  const last = parts[parts.length - 1];
  const assignment = /^\s*([A-Za-z_]\w*)\s*=\s*(\S*)$/.exec(last);
  const current = assignment
    ? { name: assignment[1], prefix: assignment[2] }
    : { prefix: last.trim() };
  return { callee, argIndex: parts.length - 1, named, current };
}
