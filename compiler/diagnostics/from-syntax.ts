// Maps the grammar's syntax problems onto catalog codes (the grammar knows nothing of codes).
import type { SyntaxProblem, SyntaxProblemKind } from '../../grammar/parse.js';
import { type CatalogCode, diagnostic } from './catalog.js';
import type { Diagnostic } from './diagnostic.js';

const codes: Record<SyntaxProblemKind, CatalogCode> = {
  'unexpected-character': 'CNN1001',
  'unterminated-comment': 'CNN1002',
  'unterminated-string': 'CNN1003',
  'invalid-number': 'CNN1004',
  unexpected: 'CNN1010',
  unclosed: 'CNN1011',
  'expected-statement': 'CNN1012',
  'expected-expression': 'CNN1013',
  'expected-item': 'CNN1014',
  'missing-separator': 'CNN1016',
  'stray-statement': 'CNN1014',
  'too-deep': 'CNN1017',
  'number-too-large': 'CNN1004',
  'too-many-tokens': 'CNN1023',
};

const hints: Partial<Record<SyntaxProblemKind, string>> = {
  'unterminated-comment': 'close it with `*/`',
  'unterminated-string': 'close it with `"` on the same line',
  'invalid-number': 'numbers look like `3`, `0.5` or `1e-4`; names cannot start with a digit',
  'missing-separator': 'put each statement on its own line, or separate them with `;`',
  'too-many-tokens': 'split the file: move blocks into files that it imports',
  'number-too-large': 'sizes, counts and arguments are exact integers below 2^53 or finite floats',
  'too-deep': 'name parts with `const`, `let` or a block, so that each stays shallow',
};

export function syntaxDiagnostic(problem: SyntaxProblem): Diagnostic {
  const hint = hints[problem.kind];
  return diagnostic(codes[problem.kind], problem.span, problem.message, {
    labels: problem.related ? [problem.related] : [],
    hints: hint ? [hint] : [],
  });
}
