// The lexer: one ordered list of token types. Keywords come before `Identifier` and use
// `longer_alt` so that `inputs` lexes as a name, not as `input` + `s`.
import type { TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string): TokenType {
  const name = word[0].toUpperCase() + word.slice(1) + 'Keyword';
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier });
}

export const ConstKeyword = keyword('const');
export const BlockKeyword = keyword('block');
export const ModelKeyword = keyword('model');
export const TrainKeyword = keyword('train');
export const ImportKeyword = keyword('import');
export const LetKeyword = keyword('let');
export const InputKeyword = keyword('input');
export const OutputKeyword = keyword('output');
export const RepeatKeyword = keyword('repeat');
export const ForKeyword = keyword('for');
export const IfKeyword = keyword('if');
export const ElseKeyword = keyword('else');
export const ResidualKeyword = keyword('residual');
export const ShortcutKeyword = keyword('shortcut');
export const ConcatKeyword = keyword('concat');
export const BranchKeyword = keyword('branch');
export const DenseKeyword = keyword('dense');
export const TrueKeyword = keyword('true');
export const FalseKeyword = keyword('false');
export const AndKeyword = keyword('and');
export const OrKeyword = keyword('or');
export const NotKeyword = keyword('not');
// `in` is last among keywords so that `input` is tried first; `longer_alt` keeps `inner` a name.
export const InKeyword = keyword('in');

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
});
// A run of blank lines (or of `;`) is one token: consecutive separators mean one, and a file of
// a million blank lines then costs one token, not a million.
export const Newline = createToken({
  name: 'Newline',
  pattern: /(?:\r?\n|\r)(?:[ \t\f\v\uFEFF]*(?:\r?\n|\r))*/,
  line_breaks: true,
});
export const LineComment = createToken({
  name: 'LineComment',
  pattern: /\/\/[^\r\n]*/,
  group: 'comments',
});
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  line_breaks: true,
  group: 'comments',
});
/** An opening `/*` with no closing: lexed as one token so the error is reported once. */
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  group: 'errors',
});
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\r\n]|\\.)*"/,
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
  group: 'errors',
});
// A number must not run into letters, digits or a `.digit` (so `0..4` is `0`, `..`, `4`).
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_]|\.\d)/,
});
export const InvalidNumber = createToken({
  name: 'InvalidNumber',
  pattern: /\d[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/,
  group: 'errors',
});

export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;(?:[ \t\f\v\uFEFF]*;)*/ });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/ });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/ });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/ });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/ });
export const Lt = createToken({ name: 'Lt', pattern: /</ });
export const Gt = createToken({ name: 'Gt', pattern: />/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Star = createToken({ name: 'Star', pattern: /\*/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const Percent = createToken({ name: 'Percent', pattern: /%/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });

/** Statement separator made from newlines and `;` by `normalizeSeparators` (never lexed). */
export const Sep = createToken({ name: 'Sep', pattern: Lexer.NA });

export const keywords: readonly TokenType[] = [
  ConstKeyword,
  BlockKeyword,
  ModelKeyword,
  TrainKeyword,
  ImportKeyword,
  LetKeyword,
  InputKeyword,
  OutputKeyword,
  RepeatKeyword,
  ForKeyword,
  IfKeyword,
  ElseKeyword,
  ResidualKeyword,
  ShortcutKeyword,
  ConcatKeyword,
  BranchKeyword,
  DenseKeyword,
  TrueKeyword,
  FalseKeyword,
  AndKeyword,
  OrKeyword,
  NotKeyword,
  InKeyword,
];

/** Every token type, in the order the lexer tries them. */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  Newline,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  NumberLiteral,
  InvalidNumber,
  Arrow,
  DotDot,
  Dot,
  Comma,
  Colon,
  Semicolon,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  ...keywords,
  Identifier,
  Sep,
];

export const cnnLexer = new Lexer(allTokens as TokenType[], {
  positionTracking: 'full',
  ensureOptimizations: false,
});
export type TokenTypeList = import('chevrotain').TokenType[];

/** Tokens that cannot start a statement or an item: a line starting with one is junk. */
export const junkStarts: readonly TokenType[] = [
  Equals,
  EqEq,
  NotEq,
  Lt,
  Gt,
  LtEq,
  GtEq,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Comma,
  Colon,
  Dot,
  DotDot,
  Arrow,
  LParen,
  RParen,
  LBracket,
  RBracket,
  RBrace,
  NumberLiteral,
  StringLiteral,
  TrueKeyword,
  FalseKeyword,
  NotKeyword,
  AndKeyword,
  OrKeyword,
  ElseKeyword,
  ShortcutKeyword,
  BranchKeyword,
];

/** What junk swallows after its first token: anything up to the end of the line or a brace. */
export const junkContinues: readonly TokenType[] = allTokens.filter(
  (type) =>
    ![
      WhiteSpace,
      Newline,
      LineComment,
      BlockComment,
      UnterminatedComment,
      UnterminatedString,
      InvalidNumber,
      Sep,
      LBrace,
      RBrace,
      Semicolon,
    ].includes(type),
);
