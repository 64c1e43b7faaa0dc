// Converts diagnostics to the Language Server Protocol's `Diagnostic` shape, for the editor
// integration. The few LSP types needed are declared here, shaped as in the LSP 3.17
// specification, so the compiler does not depend on vscode-languageserver.
import { catalog } from './catalog.js';
import { type Diagnostic, type Severity, type Span, sortDiagnostics } from './diagnostic.js';
import { type LineIndex, type SourceLookup, lineIndexLookup, positionAt } from './line-index.js';

/**
 * Where `codeDescription.href` points: the code's page, `<base>CNNxxxx.md`, in the repository's
 * docs/errors/ folder. Override it with `LspOptions.docsBaseUrl` (e.g. a local `file://` URL).
 */
export const ERROR_DOCS_BASE_URL = 'https://github.com/cnnc/cnnc/blob/main/docs/errors/';

/** The `source` of every diagnostic, shown by editors beside the message. */
export const LSP_SOURCE = 'cnnc';

/** LSP `Position`: 0-based line and UTF-16 character offset within the line. */
export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

export interface LspLocation {
  uri: string;
  range: LspRange;
}

/** LSP `DiagnosticSeverity`. */
export const LspSeverity = { Error: 1, Warning: 2, Information: 3, Hint: 4 } as const;
export type LspSeverity = (typeof LspSeverity)[keyof typeof LspSeverity];

/** LSP `DiagnosticTag`: `Unnecessary` lets editors fade unused code. */
export const LspDiagnosticTag = { Unnecessary: 1, Deprecated: 2 } as const;
export type LspDiagnosticTag = (typeof LspDiagnosticTag)[keyof typeof LspDiagnosticTag];

export interface LspRelatedInformation {
  location: LspLocation;
  message: string;
}

export interface LspTextEdit {
  range: LspRange;
  newText: string;
}

/** A ready-made code action: `title` and a `WorkspaceEdit` in its `changes` form. */
export interface LspFix {
  title: string;
  edit: { changes: Record<string, LspTextEdit[]> };
}

/** What `data` carries, for the server's `textDocument/codeAction` handler. */
export interface LspDiagnosticData {
  fixes: LspFix[];
}

export interface LspDiagnostic {
  range: LspRange;
  severity: LspSeverity;
  code: string;
  codeDescription: { href: string };
  source: typeof LSP_SOURCE;
  message: string;
  tags?: LspDiagnosticTag[];
  relatedInformation?: LspRelatedInformation[];
  data: LspDiagnosticData;
}

export interface LspOptions {
  /** Turns a span's file into a document URI, e.g. `pathToFileURL(file).href`. */
  toUri: (file: string) => string;
  /** Replaces `ERROR_DOCS_BASE_URL`; must end with `/`. */
  docsBaseUrl?: string;
}

const severities: Record<Severity, LspSeverity> = {
  error: LspSeverity.Error,
  warning: LspSeverity.Warning,
  info: LspSeverity.Information,
};

/**
 * Converts diagnostics, sorted by file, position and code. The message carries the notes and help
 * lines after the headline (`note: …`, `help: …`), since editors show only the message; labels
 * become `relatedInformation`; fixes travel in `data.fixes`. Spans in a file whose text is
 * unavailable map to the start of that file.
 */
export function toLspDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
  options: LspOptions,
): LspDiagnostic[] {
  const indexOf = lineIndexLookup(sources);
  const rangeOf = (span: Span): LspRange => lspRange(span, indexOf(span.file));
  return sortDiagnostics(diagnostics).map((d) => convert(d, rangeOf, options));
}

/** Groups converted diagnostics by document URI, as `textDocument/publishDiagnostics` needs. */
export function groupByUri(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
  options: LspOptions,
): Map<string, LspDiagnostic[]> {
  const indexOf = lineIndexLookup(sources);
  const rangeOf = (span: Span): LspRange => lspRange(span, indexOf(span.file));
  const byUri = new Map<string, LspDiagnostic[]>();
  for (const d of sortDiagnostics(diagnostics)) {
    const uri = options.toUri(d.span.file);
    byUri.set(uri, [...(byUri.get(uri) ?? []), convert(d, rangeOf, options)]);
  }
  return byUri;
}

function convert(
  d: Diagnostic,
  rangeOf: (span: Span) => LspRange,
  options: LspOptions,
): LspDiagnostic {
  const base = options.docsBaseUrl ?? ERROR_DOCS_BASE_URL;
  const converted: LspDiagnostic = {
    range: rangeOf(d.span),
    severity: severities[d.severity],
    code: d.code,
    codeDescription: { href: `${base}${d.code}.md` },
    source: LSP_SOURCE,
    message: lspMessage(d),
    data: {
      fixes: d.fixes.map((fix) => ({
        title: fix.message,
        edit: {
          changes: {
            [options.toUri(fix.span.file)]: [
              { range: rangeOf(fix.span), newText: fix.replacement },
            ],
          },
        },
      })),
    },
  };
  if (catalog[d.code]?.slug.startsWith('unused-')) converted.tags = [LspDiagnosticTag.Unnecessary];
  if (d.labels.length > 0) {
    converted.relatedInformation = d.labels.map((label) => ({
      location: { uri: options.toUri(label.span.file), range: rangeOf(label.span) },
      message: label.message,
    }));
  }
  return converted;
}

function lspMessage(diagnostic: Diagnostic): string {
  const lines = [diagnostic.message];
  for (const note of diagnostic.notes) lines.push(`note: ${note}`);
  for (const hint of diagnostic.hints) lines.push(`help: ${hint}`);
  return lines.join('\n');
}

function lspRange(span: Span, index: LineIndex | undefined): LspRange {
  if (index === undefined) {
    const origin = { line: 0, character: 0 };
    return { start: origin, end: { ...origin } };
  }
  return { start: positionAt(index, span.start), end: positionAt(index, span.end) };
}
