// Diagnostics as data: every problem the compiler finds is one of these values, produced by a
// pure stage and rendered later (terminal, JSON, LSP). Nothing here prints or throws.

/** A half-open range of UTF-16 offsets `[start, end)` in the text of `file`. */
export interface Span {
  file: string;
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'info';

/** A secondary span with a short explanation, e.g. "output is [16, 5, 5]". */
export interface Label {
  span: Span;
  message: string;
}

/** A machine-applicable fix: replace the text of `span` with `replacement`. */
export interface Fix {
  message: string;
  span: Span;
  replacement: string;
}

/** The stable code of a diagnostic: `CNN` and four digits, banded by stage. */
export type Code = `CNN${number}`;

/**
 * One problem in a user's model.
 *
 * Invariant: `message` is one line, starts in lower case and has no final period; it uses the
 * user's names and numbers, never internal ids.
 */
export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  span: Span;
  labels: Label[];
  /** At most two concrete suggestions, each a sentence fragment ("insert `flatten` …"). */
  hints: string[];
  /** Extra facts, such as the arithmetic behind a shape error. */
  notes: string[];
  fixes: Fix[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code, so output is deterministic. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.span.file.localeCompare(b.span.file) ||
      a.span.start - b.span.start ||
      a.code.localeCompare(b.code),
  );
}
