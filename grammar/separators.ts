// Statements end at a newline or `;`. The lexer keeps newlines as tokens; this pass turns them
// into `Sep` tokens where they end a statement and drops them where they do not: inside `()` and
// `[]`, around `->` (a pipe may continue on the next line), before `shortcut` and `else`, and
// next to braces and other separators.
import type { IToken, TokenType } from 'chevrotain';
import { createTokenInstance } from './chevrotain.js';
import {
  AndKeyword,
  Arrow,
  Comma,
  DotDot,
  EqEq,
  Equals,
  Gt,
  GtEq,
  Lt,
  LtEq,
  Minus,
  NotEq,
  NotKeyword,
  OrKeyword,
  Percent,
  Plus,
  Slash,
  Star,
  ElseKeyword,
  LBrace,
  LBracket,
  LParen,
  Newline,
  RBrace,
  RBracket,
  RParen,
  Semicolon,
  Sep,
  ShortcutKeyword,
} from './tokens.js';

const continuesAfter = new Set<TokenType>([Arrow, Comma, LBrace, LParen, LBracket]);
const continuesBefore = new Set<TokenType>([Arrow, ShortcutKeyword, ElseKeyword, RBrace]);

const binaryOperators: readonly TokenType[] = [
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  EqEq,
  NotEq,
  Lt,
  Gt,
  LtEq,
  GtEq,
  AndKeyword,
  OrKeyword,
  Equals,
  Arrow,
  DotDot,
];
const openInsideAfter = new Set<TokenType>([
  Comma,
  LParen,
  LBracket,
  NotKeyword,
  ...binaryOperators,
]);
const openInsideBefore = new Set<TokenType>([
  RParen,
  RBracket,
  Comma,
  ...binaryOperators.filter((type) => type !== Minus),
]);

function isSeparator(token: IToken): boolean {
  return token.tokenType === Newline || token.tokenType === Semicolon;
}

function toSep(token: IToken): IToken {
  return createTokenInstance(
    Sep,
    token.image,
    token.startOffset,
    token.endOffset ?? token.startOffset,
    token.startLine ?? 0,
    token.endLine ?? 0,
    token.startColumn ?? 0,
    token.endColumn ?? 0,
  );
}

/** Returns the tokens with newlines and `;` replaced by at most one `Sep` between statements. */
export function normalizeSeparators(tokens: readonly IToken[]): IToken[] {
  const out: IToken[] = [];
  const nextNonSeparator = nextNonSeparators(tokens);
  let depth = 0;
  for (let idx = 0; idx < tokens.length; idx++) {
    const token = tokens[idx];
    const type = token.tokenType;
    if (type === LParen || type === LBracket) depth++;
    // Braces never appear inside parentheses: one closes any bracket left open before it.
    if (type === LBrace || type === RBrace) depth = 0;
    if ((type === RParen || type === RBracket) && depth > 0) depth--;
    if (!isSeparator(token)) {
      out.push(token);
      continue;
    }
    const previous = out[out.length - 1];
    const next = nextNonSeparator(idx);
    // Inside parentheses a newline continues the list, unless the line plainly ended there: a
    // value on both sides (`conv(6, 5⏎relu`). Then the `(` was never closed, and treating the
    // newline as a separator keeps one missing `)` from swallowing the rest of the file.
    if (depth > 0 && type === Newline) {
      const continues =
        previous === undefined ||
        next === undefined ||
        openInsideAfter.has(previous.tokenType) ||
        openInsideBefore.has(next.tokenType);
      if (continues) continue;
      depth = 0;
    }
    if (previous === undefined || previous.tokenType === Sep) continue;
    if (continuesAfter.has(previous.tokenType)) continue;
    if (next === undefined || continuesBefore.has(next.tokenType)) continue;
    out.push(toSep(token));
  }
  return out;
}

/**
 * For each index, the first token after it that is not a newline or `;`. Computed once from the
 * end (a search per separator was quadratic in a file of blank lines).
 */
function nextNonSeparators(tokens: readonly IToken[]): (from: number) => IToken | undefined {
  const next: (IToken | undefined)[] = new Array<IToken | undefined>(tokens.length);
  let found: IToken | undefined;
  for (let idx = tokens.length - 1; idx >= 0; idx--) {
    next[idx] = found;
    if (!isSeparator(tokens[idx])) found = tokens[idx];
  }
  return (from) => next[from];
}
