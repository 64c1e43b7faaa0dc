// The grammar's API: text in, AST and syntax problems out. It never throws on user input.
import type { IRecognitionException, IToken } from 'chevrotain';
import { EOF } from './chevrotain.js';
import type { FileAst, Item } from './ast.js';
import { buildFile } from './ast-from-cst.js';
import { AstBuilder } from './build-ast.js';
import { setTokensForMessages, TooManySyntaxErrors, type EncodedSyntaxError } from './messages.js';
import { parser } from './parser.js';
import { checkNesting } from './nesting.js';
import { normalizeSeparators } from './separators.js';
import type { Span } from './span.js';
import * as t from './tokens.js';

export type SyntaxProblemKind =
  | 'unexpected-character'
  | 'unterminated-comment'
  | 'unterminated-string'
  | 'invalid-number'
  | 'unexpected'
  | 'unclosed'
  | 'expected-statement'
  | 'expected-expression'
  | 'expected-item'
  | 'missing-separator'
  | 'stray-statement'
  | 'too-deep'
  | 'number-too-large'
  | 'too-many-tokens';

export interface SyntaxProblem {
  kind: SyntaxProblemKind;
  message: string;
  span: Span;
  /** The parser reached the end of the file here (set on parse errors only). */
  atEndOfFile?: boolean;
  /** A secondary span, e.g. the `(` that was never closed. */
  related?: { span: Span; message: string };
}

export interface ParseResult {
  ast: FileAst;
  problems: SyntaxProblem[];
}

/**
 * Tokens (names, numbers, operators, brackets, line ends) a file may have. Real models have a
 * few thousand; the parser and the AST builder cost a few microseconds per token, so this bounds
 * the time of every command on a hostile file well below the 1 MB size limit.
 */
export const MAX_TOKENS = 100_000;

/**
 * Syntax problems reported per file. A file with more is not a model (a binary renamed, a
 * generated mess); listing 100,000 errors would only bury the first one.
 */
export const MAX_SYNTAX_PROBLEMS = 100;

const itemStarts = new Set([
  t.ModelKeyword,
  t.BlockKeyword,
  t.ConstKeyword,
  t.TrainKeyword,
  t.ImportKeyword,
]);

/** Parses one file. Problems are sorted by position, at most one per source line. */
export function parse(text: string, file: string): ParseResult {
  const lexed = t.cnnLexer.tokenize(text);
  const problems: SyntaxProblem[] = lexProblems(lexed, file, text);
  if (lexed.tokens.length > MAX_TOKENS) {
    const token = lexed.tokens[MAX_TOKENS];
    const start = token.startOffset;
    const ast: FileAst = { kind: 'File', file, items: [], comments: [], span: span(file, text) };
    const tooLong: SyntaxProblem = {
      kind: 'too-many-tokens',
      message: `the file has more than ${MAX_TOKENS.toLocaleString('en-US')} tokens; model files may have at most ${MAX_TOKENS.toLocaleString('en-US')}`,
      span: { file, start, end: start + Math.max(token.image.length, 1) },
    };
    return { ast, problems: [tooLong] };
  }
  const allTokens = normalizeSeparators(lexed.tokens);
  // Refused before parsing: every stage from the parser on recurses on nesting.
  const tooDeep = checkNesting(allTokens, file);
  if (tooDeep) {
    const ast: FileAst = { kind: 'File', file, items: [], comments: [], span: span(file, text) };
    return { ast, problems: [...problems, { kind: 'too-deep', ...tooDeep }] };
  }
  setTokensForMessages(allTokens);
  const builder = new AstBuilder(file);
  const items: Item[] = [];
  let from = 0;
  let abandoned = false;
  while (from < allTokens.length) {
    parser.input = from === 0 ? allTokens : allTokens.slice(from);
    let cst;
    try {
      cst = parser.file();
    } catch (error) {
      if (!(error instanceof TooManySyntaxErrors)) throw error;
      const errors = parser.errors;
      for (const recognition of errors) problems.push(fromRecognitionError(recognition, file));
      abandoned = true;
      break;
    }
    const errors = parser.errors;
    for (const error of errors) problems.push(fromRecognitionError(error, file));
    buildFile(builder, cst, items);
    const leftover = errors.find((error) => error.name === 'NotAllInputParsedException');
    if (!leftover) break;
    from = nextItemStart(allTokens, leftover.token);
  }
  // One by one: spreading 100,000 problems into push() overflows the stack.
  for (const problem of builder.problems) problems.push({ ...problem });
  // An unterminated comment or string swallows the rest of the file; the parser's complaints
  // about what is then missing at the end of the file are echoes of it.
  const swallowed = problems.some(
    (p) => p.kind === 'unterminated-comment' || p.kind === 'unterminated-string',
  );
  if (swallowed) problems.splice(0, problems.length, ...problems.filter((p) => !p.atEndOfFile));
  const comments = (lexed.groups.comments ?? []).map((comment) => ({
    text: comment.image,
    span: { file, start: comment.startOffset, end: comment.startOffset + comment.image.length },
    block: comment.tokenType === t.BlockComment,
  }));
  items.sort((a, b) => a.span.start - b.span.start);
  const ast: FileAst = {
    kind: 'File',
    file,
    items,
    comments,
    span: span(file, text),
  };
  const clamp = (span: Span): Span => ({
    file: span.file,
    start: Math.min(Math.max(span.start, 0), text.length),
    end: Math.min(Math.max(span.end, span.start, 0), text.length),
  });
  for (const problem of problems) {
    problem.span = clamp(problem.span);
    if (problem.related) problem.related.span = clamp(problem.related.span);
  }
  const kept = onePerLine(problems, text).slice(0, MAX_SYNTAX_PROBLEMS);
  const last = kept[kept.length - 1];
  // Said on the last error kept, so that each line still has at most one.
  if (abandoned && last) last.message += ' (too many syntax errors: cnnc stopped reading here)';
  return { ast, problems: kept };
}

function nextItemStart(tokens: readonly IToken[], after: IToken): number {
  const idx = tokens.findIndex(
    (token) => token.startOffset > after.startOffset && itemStarts.has(token.tokenType),
  );
  return idx < 0 ? tokens.length : idx;
}

function lexProblems(
  lexed: ReturnType<typeof t.cnnLexer.tokenize>,
  file: string,
  text: string,
): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  for (const error of lexed.errors) {
    const span = { file, start: error.offset, end: error.offset + error.length };
    const shown = JSON.stringify(
      text.slice(error.offset, error.offset + Math.min(error.length, 10)),
    );
    problems.push({ kind: 'unexpected-character', message: `unexpected character ${shown}`, span });
  }
  for (const token of lexed.groups.errors ?? []) {
    const span = { file, start: token.startOffset, end: token.startOffset + token.image.length };
    if (token.tokenType === t.UnterminatedComment)
      problems.push({
        kind: 'unterminated-comment',
        message: '`/*` comment is never closed',
        span: { ...span, end: span.start + 2 },
      });
    else if (token.tokenType === t.UnterminatedString)
      problems.push({ kind: 'unterminated-string', message: 'string is never closed', span });
    else
      problems.push({ kind: 'invalid-number', message: `invalid number \`${token.image}\``, span });
  }
  return problems;
}

function fromRecognitionError(error: IRecognitionException, file: string): SyntaxProblem {
  const decoded = decode(error.message);
  const token = error.token;
  const start = Number.isNaN(token.startOffset)
    ? ((error as { previousToken?: IToken }).previousToken?.endOffset ?? 0) + 1
    : token.startOffset;
  const length =
    token.tokenType === t.Sep || Number.isNaN(token.startOffset) ? 1 : token.image.length;
  const span = { file, start, end: start + Math.max(length, 1) };
  const problem: SyntaxProblem = { kind: decoded.kind, message: decoded.message, span };
  if (token.tokenType === EOF) problem.atEndOfFile = true;
  if (decoded.opener) {
    const { offset, length: openerLength, what } = decoded.opener;
    problem.related = {
      span: { file, start: offset, end: offset + openerLength },
      message: `${what} starts here`,
    };
  }
  return problem;
}

function decode(message: string): EncodedSyntaxError {
  try {
    return JSON.parse(message) as EncodedSyntaxError;
  } catch {
    return { kind: 'unexpected', message };
  }
}

/** Keeps the first problem of each line: later ones on a line are usually its echoes. */
function onePerLine(problems: SyntaxProblem[], text: string): SyntaxProblem[] {
  const sorted = [...problems].sort((a, b) => a.span.start - b.span.start);
  const seenLines = new Set<number>();
  const out: SyntaxProblem[] = [];
  // Lines are counted in one pass as the sorted problems move forward (linear in the text).
  let line = 0;
  let offset = 0;
  for (const problem of sorted) {
    const end = Math.min(problem.span.start, text.length);
    for (; offset < end; offset++) if (text.charCodeAt(offset) === 10) line++;
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    out.push(problem);
  }
  return out;
}

function span(file: string, text: string): Span {
  return { file, start: 0, end: text.length };
}
