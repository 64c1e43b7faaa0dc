// The one catalog of diagnostic codes: each code's slug, default severity and title. Codes are
// banded by stage (1xxx lex/parse, 2xxx names and expansion, 3xxx shapes, 4xxx optimise/emit) and
// never reused. `test/diagnostics/catalog.test.ts` checks that every code has a golden case and a
// page in docs/errors/.
import type { Code, Diagnostic, Fix, Label, Severity, Span } from './diagnostic.js';
import { emitCodes } from './codes-emit.js';
import { shapeCodes } from './codes-shapes.js';

export interface CatalogEntry {
  slug: string;
  severity: Severity;
  /** A short title, used as the heading of the code's docs/errors page. */
  title: string;
}

const syntaxCodes = {
  CNN1001: { slug: 'unexpected-character', severity: 'error', title: 'Unexpected character' },
  CNN1002: { slug: 'unterminated-comment', severity: 'error', title: 'Unterminated comment' },
  CNN1003: { slug: 'unterminated-string', severity: 'error', title: 'Unterminated string' },
  CNN1004: { slug: 'invalid-number', severity: 'error', title: 'Invalid number' },
  CNN1010: { slug: 'unexpected-token', severity: 'error', title: 'Unexpected token' },
  CNN1011: { slug: 'unclosed-delimiter', severity: 'error', title: 'Unclosed delimiter' },
  CNN1012: { slug: 'expected-statement', severity: 'error', title: 'Expected a statement' },
  CNN1013: { slug: 'expected-expression', severity: 'error', title: 'Expected an expression' },
  CNN1014: { slug: 'expected-item', severity: 'error', title: 'Expected a top-level item' },
  CNN1015: {
    slug: 'positional-after-named',
    severity: 'error',
    title: 'Positional argument after a named one',
  },
  CNN1016: { slug: 'missing-separator', severity: 'error', title: 'Missing statement separator' },
  CNN1017: { slug: 'nested-too-deeply', severity: 'error', title: 'Nested too deeply' },
  CNN1020: { slug: 'empty-file', severity: 'error', title: 'Empty file' },
  CNN1021: { slug: 'invalid-utf8', severity: 'error', title: 'File is not valid UTF-8' },
  CNN1022: { slug: 'binary-file', severity: 'error', title: 'File is binary' },
  CNN1023: { slug: 'file-too-large', severity: 'error', title: 'File too large' },
} satisfies Record<string, CatalogEntry>;

const nameCodes = {
  CNN2001: { slug: 'unknown-layer', severity: 'error', title: 'Unknown layer or block' },
  CNN2002: { slug: 'unknown-argument', severity: 'error', title: 'Unknown argument' },
  CNN2003: { slug: 'unknown-name', severity: 'error', title: 'Unknown name' },
  CNN2004: { slug: 'duplicate-argument', severity: 'error', title: 'Duplicate argument' },
  CNN2005: { slug: 'missing-argument', severity: 'error', title: 'Missing argument' },
  CNN2006: { slug: 'too-many-arguments', severity: 'error', title: 'Too many arguments' },
  CNN2007: { slug: 'argument-type', severity: 'error', title: 'Argument of the wrong type' },
  CNN2008: { slug: 'argument-range', severity: 'error', title: 'Argument out of range' },
  CNN2009: { slug: 'recursive-block', severity: 'error', title: 'Recursion between blocks' },
  CNN2010: { slug: 'missing-input', severity: 'error', title: 'Model without an input' },
  CNN2011: { slug: 'missing-output', severity: 'error', title: 'Model without an output' },
  CNN2012: { slug: 'unused-let', severity: 'warning', title: 'Unused `let` binding' },
  CNN2013: {
    slug: 'train-unknown-model',
    severity: 'error',
    title: '`train` for an unknown model',
  },
  CNN2014: { slug: 'duplicate-definition', severity: 'error', title: 'Duplicate definition' },
  CNN2015: { slug: 'import-not-found', severity: 'error', title: 'Imported file not found' },
  CNN2016: { slug: 'import-cycle', severity: 'error', title: 'Import cycle' },
  CNN2017: { slug: 'not-a-value', severity: 'error', title: 'Not a value' },
  CNN2018: { slug: 'evaluation-error', severity: 'error', title: 'Compile-time evaluation failed' },
  CNN2019: { slug: 'in-outside-block', severity: 'error', title: '`in` outside a block' },
  CNN2020: { slug: 'unknown-train-key', severity: 'error', title: 'Unknown `train` key' },
  CNN2021: { slug: 'invalid-train-value', severity: 'error', title: 'Invalid `train` value' },
  CNN2022: { slug: 'invalid-repeat-count', severity: 'error', title: 'Invalid repeat count' },
  CNN2023: { slug: 'block-call-parens', severity: 'error', title: 'Block called without `()`' },
  CNN2024: { slug: 'expansion-limit', severity: 'error', title: 'Model too large to expand' },
  CNN2025: { slug: 'duplicate-io-name', severity: 'error', title: 'Duplicate input or output' },
  CNN2026: { slug: 'unused-input', severity: 'warning', title: 'Unused model input' },
  CNN2027: { slug: 'io-in-block', severity: 'error', title: '`input` or `output` inside a block' },
  CNN2028: { slug: 'layer-name-taken', severity: 'error', title: 'Block named like a layer' },
  CNN2029: {
    slug: 'definitions-too-deep',
    severity: 'error',
    title: 'Block calls or constants nested too deeply',
  },
} satisfies Record<string, CatalogEntry>;

/** Every code the compiler can emit. */
export const catalog: Readonly<Record<Code, CatalogEntry>> = {
  ...syntaxCodes,
  ...nameCodes,
  ...shapeCodes,
  ...emitCodes,
} as Record<Code, CatalogEntry>;

export type CatalogCode =
  keyof typeof syntaxCodes | keyof typeof nameCodes | keyof typeof shapeCodes;

export interface DiagnosticExtras {
  labels?: Label[];
  hints?: string[];
  notes?: string[];
  fixes?: Fix[];
  /** Overrides the catalog's severity (e.g. a warning promoted by `--deny-warnings`). */
  severity?: Severity;
}

/** Builds a diagnostic whose severity comes from the catalog. */
export function diagnostic(
  code: CatalogCode,
  span: Span,
  message: string,
  extras: DiagnosticExtras = {},
): Diagnostic {
  return {
    code,
    severity: extras.severity ?? catalog[code].severity,
    message: shortenQuoted(message),
    span,
    labels: extras.labels ?? [],
    hints: extras.hints ?? [],
    notes: extras.notes ?? [],
    fixes: extras.fixes ?? [],
  };
}

/**
 * Shortens each quoted name or value in a message to at most 60 characters: a message quotes the
 * user's text, and a 1 MB identifier would otherwise be printed whole.
 */
function shortenQuoted(message: string): string {
  if (message.length <= 200) return message;
  return message.replace(/`([^`]{61,})`/g, (_, quoted: string) => `\`${quoted.slice(0, 40)}…\``);
}
