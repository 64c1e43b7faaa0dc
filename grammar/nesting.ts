// A guard before parsing: the parser, the AST builder and every later stage walk nested
// brackets, bodies, unary operators and `else if` chains recursively, so a file nested deeper
// than any real model (hostile or generated input) is refused here with a located error instead
// of overflowing the JavaScript stack somewhere later.
import type { IToken, TokenType } from 'chevrotain';
import type { Span } from './span.js';
import * as t from './tokens.js';

/**
 * How deep brackets `( [ {`, unary `-`/`not` and `else if` may nest. Real models nest fewer
 * than 10 levels; 48 keeps every stage far from the stack limit (measured: about 160 nested
 * parentheses overflowed the parser's stack before this guard).
 */
export const MAX_NESTING = 48;

const opens = new Set<TokenType>([t.LParen, t.LBracket, t.LBrace]);
const closes = new Set<TokenType>([t.RParen, t.RBracket, t.RBrace]);
/** Tokens that end a value, after which `-` is a binary minus. */
const valueEnds = new Set<TokenType>([
  t.Identifier,
  t.NumberLiteral,
  t.StringLiteral,
  t.TrueKeyword,
  t.FalseKeyword,
  t.InKeyword,
  t.RParen,
  t.RBracket,
]);
const values = new Set<TokenType>([
  t.Identifier,
  t.NumberLiteral,
  t.StringLiteral,
  t.TrueKeyword,
  t.FalseKeyword,
  t.InKeyword,
]);

type Frame = 'bracket' | 'unary' | 'else';

/** The first token nested deeper than `limit`, with a message, or undefined. */
export function checkNesting(
  tokens: readonly IToken[],
  file: string,
  limit = MAX_NESTING,
): { message: string; span: Span } | undefined {
  const stack: Frame[] = [];
  const popWhile = (frames: Frame[]): void => {
    while (stack.length > 0 && frames.includes(stack[stack.length - 1])) stack.pop();
  };
  for (let idx = 0; idx < tokens.length; idx++) {
    const token = tokens[idx];
    const type = token.tokenType;
    const previous = tokens[idx - 1]?.tokenType;
    let pushed: Frame | undefined;
    if (opens.has(type)) pushed = 'bracket';
    else if (type === t.NotKeyword || (type === t.Minus && !valueEnds.has(previous)))
      pushed = 'unary';
    else if (type === t.IfKeyword && previous === t.ElseKeyword) pushed = 'else';
    else if (closes.has(type)) {
      const bracket = stack.lastIndexOf('bracket');
      if (bracket >= 0) stack.length = bracket;
      popWhile(['unary']);
    } else if (type === t.Sep) popWhile(['unary', 'else']);
    else if (type === t.Comma) popWhile(['unary']);
    else if (values.has(type) && tokens[idx + 1]?.tokenType !== t.LParen) popWhile(['unary']);
    if (!pushed) continue;
    stack.push(pushed);
    if (stack.length > limit) {
      const start = token.startOffset;
      return {
        message: `nested too deeply: more than ${limit} levels of brackets, bodies, unary operators or \`else if\``,
        span: { file, start, end: start + Math.max(token.image.length, 1) },
      };
    }
  }
  return undefined;
}
