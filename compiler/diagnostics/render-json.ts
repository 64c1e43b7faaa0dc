// The `--format json` rendering: a stable, versioned schema for tools, documented in
// docs/diagnostics-json.md. Any change that could break a reader bumps `JSON_SCHEMA_VERSION`;
// adding a field does not.
import { catalog } from './catalog.js';
import { type Diagnostic, type Severity, type Span, sortDiagnostics } from './diagnostic.js';
import {
  type LineIndex,
  type SourceLookup,
  lineIndexLookup,
  offsetAt,
  positionAt,
} from './line-index.js';
import { type SeverityCounts, countBySeverity } from './render-summary.js';

/** The version of the schema below; readers should check it first. */
export const JSON_SCHEMA_VERSION = 1;

/**
 * A point in a file. `line` and `column` are 1-based and count UTF-16 code units; they are `null`
 * when the file's text was unavailable. `offset` is the 0-based UTF-16 offset.
 */
export interface JsonPosition {
  line: number | null;
  column: number | null;
  offset: number;
}

/** A half-open range: `end` is the first position after the span. */
export interface JsonRange {
  start: JsonPosition;
  end: JsonPosition;
}

export interface JsonLabel {
  file: string;
  range: JsonRange;
  message: string;
}

export interface JsonFix {
  message: string;
  file: string;
  range: JsonRange;
  replacement: string;
}

export interface JsonDiagnostic {
  code: string;
  /** The kebab-case name of the code; `null` only for a code missing from the catalog. */
  slug: string | null;
  severity: Severity;
  message: string;
  file: string;
  range: JsonRange;
  labels: JsonLabel[];
  hints: string[];
  notes: string[];
  fixes: JsonFix[];
}

export interface JsonReport {
  version: typeof JSON_SCHEMA_VERSION;
  diagnostics: JsonDiagnostic[];
  summary: SeverityCounts;
}

/** Builds the JSON report as plain data, diagnostics sorted by file, position and code. */
export function toJsonReport(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
): JsonReport {
  const indexOf = lineIndexLookup(sources);
  const rangeOf = (span: Span): JsonRange => jsonRange(span, indexOf(span.file));
  return {
    version: JSON_SCHEMA_VERSION,
    diagnostics: sortDiagnostics(diagnostics).map((d) => ({
      code: d.code,
      slug: catalog[d.code]?.slug ?? null,
      severity: d.severity,
      message: d.message,
      file: d.span.file,
      range: rangeOf(d.span),
      labels: d.labels.map((l) => ({
        file: l.span.file,
        range: rangeOf(l.span),
        message: l.message,
      })),
      hints: [...d.hints],
      notes: [...d.notes],
      fixes: d.fixes.map((f) => ({
        message: f.message,
        file: f.span.file,
        range: rangeOf(f.span),
        replacement: f.replacement,
      })),
    })),
    summary: countBySeverity(diagnostics),
  };
}

/** Renders the JSON report as text: two-space indentation and a final newline. */
export function renderJson(diagnostics: readonly Diagnostic[], sources: SourceLookup): string {
  return `${JSON.stringify(toJsonReport(diagnostics, sources), null, 2)}\n`;
}

function jsonRange(span: Span, index: LineIndex | undefined): JsonRange {
  return { start: jsonPosition(span.start, index), end: jsonPosition(span.end, index) };
}

/**
 * When the file's text is known, an offset is clamped into it (and out of the middle of a `\r\n`
 * pair), so every range lies inside the file and its offsets agree with its lines and columns.
 */
function jsonPosition(offset: number, index: LineIndex | undefined): JsonPosition {
  if (index === undefined) return { line: null, column: null, offset };
  const position = positionAt(index, offset);
  return {
    line: position.line + 1,
    column: position.character + 1,
    offset: offsetAt(index, position),
  };
}
