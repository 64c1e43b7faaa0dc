// Syntax error wording. Chevrotain's default messages name token types ("Expecting token of type
// --> RParen <--"); these say what the user would: "expected `)` to close the argument list of
// `conv`, found end of line". Each message is returned as JSON carrying its code and, for an
// unclosed delimiter, the offset of the opener, which ./parse.ts turns into a label.
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.js';
import * as t from './tokens.js';

/** What ./parse.ts decodes from each Chevrotain error message. */
export interface EncodedSyntaxError {
  kind: 'unexpected' | 'unclosed' | 'expected-statement' | 'expected-expression' | 'expected-item';
  message: string;
  /** For `unclosed`: the opening delimiter's offset and what it opened. */
  opener?: { offset: number; length: number; what: string };
}

let currentTokens: readonly IToken[] = [];
/** For each token index and opener type, the unmatched opener before it (built on first use). */
let openersBefore: Map<TokenType, Int32Array> | undefined;
let messagesBuilt = 0;

/**
 * Messages built in one parse before it is abandoned. A file that makes the parser recover this
 * often is not a model; going on would cost time for errors nobody reads.
 */
export const MAX_PARSER_MESSAGES = 1000;

/** Thrown from the message provider to abandon a parse with too many errors. */
export class TooManySyntaxErrors extends Error {}

/** Gives the message provider the token vector being parsed (to find unclosed openers). */
export function setTokensForMessages(tokens: readonly IToken[]): void {
  currentTokens = tokens;
  openersBefore = undefined;
  messagesBuilt = 0;
}

function counted(message: string): string {
  if (++messagesBuilt > MAX_PARSER_MESSAGES) throw new TooManySyntaxErrors();
  return message;
}

const fixedLabels = new Map<TokenType, string>([
  [t.Identifier, 'a name'],
  [t.NumberLiteral, 'a number'],
  [t.StringLiteral, 'a string'],
  [t.Sep, 'end of line'],
  [EOF, 'end of file'],
]);

/** How an expected token type is named in messages. */
export function describeTokenType(type: TokenType): string {
  const fixed = fixedLabels.get(type);
  if (fixed) return fixed;
  const pattern = type.PATTERN;
  if (pattern instanceof RegExp) return '`' + pattern.source.replace(/\\/g, '') + '`';
  return type.name;
}

/** How an actual token is named in messages. */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'end of file';
  if (token.tokenType === t.Sep) return token.image === ';' ? '`;`' : 'end of line';
  if (token.tokenType === t.StringLiteral) return `the string ${token.image}`;
  if (token.tokenType === t.NumberLiteral) return `the number ${token.image}`;
  return '`' + token.image + '`';
}

const closerToOpener = new Map<TokenType, TokenType>([
  [t.RParen, t.LParen],
  [t.RBracket, t.LBracket],
  [t.RBrace, t.LBrace],
]);

function indexOfToken(token: IToken): number {
  if (token.tokenType === EOF || Number.isNaN(token.startOffset)) return currentTokens.length;
  // Binary search: tokens are in source order (a linear search per error was quadratic).
  let low = 0;
  let high = currentTokens.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (currentTokens[mid].startOffset >= token.startOffset) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Finds the opener that `closer` would close, scanning back from the offending token. */
function findOpener(closer: TokenType, actual: IToken): number | undefined {
  const opener = closerToOpener.get(closer);
  if (!opener) return undefined;
  const found = unmatchedOpeners().get(opener)![indexOfToken(actual)];
  return found < 0 ? undefined : found;
}

/**
 * For each opener type and each token index `i`, the index of the last opener before `i` not
 * closed before `i` (or -1): what a backward scan counting that pair would find, computed for
 * every index in one pass instead of one scan per error.
 */
function unmatchedOpeners(): Map<TokenType, Int32Array> {
  if (openersBefore) return openersBefore;
  const result = new Map<TokenType, Int32Array>();
  for (const [closer, opener] of closerToOpener) {
    const before = new Int32Array(currentTokens.length + 1);
    const stack: number[] = [];
    for (let idx = 0; idx <= currentTokens.length; idx++) {
      before[idx] = stack.length > 0 ? stack[stack.length - 1] : -1;
      const type = currentTokens[idx]?.tokenType;
      if (type === opener) stack.push(idx);
      else if (type === closer) stack.pop();
    }
    result.set(opener, before);
  }
  openersBefore = result;
  return result;
}

/** Names what the opener at `idx` opened: "the argument list of `conv`", "the body of …". */
function describeOpener(idx: number): string {
  const opener = currentTokens[idx];
  const before = currentTokens[idx - 1];
  const beforeThat = currentTokens[idx - 2];
  if (opener.tokenType === t.LParen) {
    if (before?.tokenType === t.Identifier && beforeThat?.tokenType === t.BlockKeyword)
      return `the parameter list of block \`${before.image}\``;
    if (before?.tokenType === t.Identifier || before?.tokenType === t.ConcatKeyword)
      return `the argument list of \`${before.image}\``;
    return 'the parenthesis';
  }
  if (opener.tokenType === t.LBracket) return 'the list';
  return describeBodyOpener(idx);
}

function describeBodyOpener(idx: number): string {
  for (let back = idx - 1; back >= 0 && back >= idx - 40; back--) {
    const token = currentTokens[back];
    const type = token.tokenType;
    if (type === t.Sep || type === t.LBrace || type === t.RBrace) break;
    const name = currentTokens[back + 1]?.image;
    if (type === t.ModelKeyword) return `the body of model \`${name}\``;
    if (type === t.BlockKeyword) return `the body of block \`${name}\``;
    if (type === t.TrainKeyword) return `the \`train\` section of \`${name}\``;
    if ([t.ResidualKeyword, t.ShortcutKeyword, t.BranchKeyword, t.DenseKeyword].includes(type))
      return `the \`${token.image}\` body`;
    if ([t.RepeatKeyword, t.ForKeyword, t.IfKeyword, t.ElseKeyword, t.ConcatKeyword].includes(type))
      return `the \`${token.image}\` body`;
  }
  return 'the body';
}

function encode(error: EncodedSyntaxError): string {
  return JSON.stringify(error);
}

const statementRules = new Set(['statement', 'body', 'pipeElement', 'pipe']);
const expressionRules = new Set(['primary', 'unary', 'expression', 'argument', 'notExpression']);

export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage(options) {
    return counted(mismatchMessage(options.expected, options.actual));
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return counted(
      encode({ kind: 'unexpected', message: `unexpected ${describeToken(firstRedundant)}` }),
    );
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    return counted(noViableMessage(actual[0], ruleName));
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    return counted(noViableMessage(actual[0], ruleName));
  },
};

function mismatchMessage(expected: TokenType, actual: IToken): string {
  const found = describeToken(actual);
  const previous = currentTokens[indexOfToken(actual) - 1];
  if (closerToOpener.has(expected) && previous?.tokenType === t.Comma && !startsExpression(actual))
    return encode({
      kind: 'expected-expression',
      message: `expected an expression, found ${found}`,
    });
  const openerIdx = findOpener(expected, actual);
  if (openerIdx !== undefined) {
    const opener = currentTokens[openerIdx];
    const what = describeOpener(openerIdx);
    return encode({
      kind: 'unclosed',
      message: `expected ${describeTokenType(expected)} to close ${what}, found ${found}`,
      opener: { offset: opener.startOffset, length: opener.image.length, what },
    });
  }
  return encode({
    kind: 'unexpected',
    message: `expected ${describeTokenType(expected)}, found ${found}`,
  });
}

function noViableMessage(actual: IToken, ruleName: string): string {
  const found = describeToken(actual);
  if (ruleName === 'item' || ruleName === 'topLevel')
    return encode({
      kind: 'expected-item',
      message: `expected \`model\`, \`block\`, \`const\`, \`train\` or \`import\`, found ${found}`,
    });
  if (statementRules.has(ruleName))
    return encode({
      kind: 'expected-statement',
      message: `expected a layer, a block call, \`let\`, \`input\`, \`output\` or another statement, found ${found}`,
    });
  if (expressionRules.has(ruleName))
    return encode({
      kind: 'expected-expression',
      message: `expected an expression, found ${found}`,
    });
  return encode({ kind: 'unexpected', message: `unexpected ${found}` });
}

const expressionStarts = new Set<TokenType>([
  t.NumberLiteral,
  t.StringLiteral,
  t.Identifier,
  t.TrueKeyword,
  t.FalseKeyword,
  t.NotKeyword,
  t.InKeyword,
  t.Minus,
  t.LParen,
  t.LBracket,
  t.RParen,
  t.RBracket,
]);

function startsExpression(token: IToken): boolean {
  return expressionStarts.has(token.tokenType);
}
