// The terminal rendering of diagnostics, modelled on rustc: a headline with the code, the
// location, a source excerpt with carets and labels, then notes, help lines and a closing summary.
// Colour is an explicit option; this module never inspects the terminal or the environment.
import pc from 'picocolors';
import { type Diagnostic, type Label, type Severity, sortDiagnostics } from './diagnostic.js';
import {
  type LineIndex,
  type SourceLookup,
  displayPositionAt,
  lineIndexLookup,
} from './line-index.js';
import {
  type Annotation,
  type SnippetPalette,
  renderSnippet,
  shownLines,
} from './render-snippet.js';
import { summarize } from './render-summary.js';

export type { SourceLookup } from './line-index.js';

export interface TerminalOptions {
  /** Emit ANSI colours. The CLI passes `process.stdout.isTTY && !process.env.NO_COLOR`. */
  color: boolean;
  /** The files that were checked, named by the summary; defaults to the files diagnosed. */
  files?: readonly string[];
}

interface Palette extends SnippetPalette {
  bold: (text: string) => string;
  severity: (severity: Severity, text: string) => string;
}

/**
 * Renders every diagnostic, sorted by file, position and code, followed by a summary line such as
 * "error: could not check `a.cnn`: 2 errors, 1 warning emitted". Returns `''` when there is
 * nothing to report; otherwise the text ends with a newline.
 */
export function renderTerminal(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
  options: TerminalOptions,
): string {
  const summary = summarize(diagnostics, options.files);
  if (summary === undefined) return '';
  const palette = makePalette(options.color);
  const indexOf = lineIndexLookup(sources);
  const reports = sortDiagnostics(diagnostics).map((d) => renderOne(d, indexOf, palette));
  const closing = `${palette.severity(summary.severity, summary.severity)}${palette.bold(`: ${summary.text}`)}`;
  return `${[...reports, closing].join('\n\n')}\n`;
}

/** Renders one diagnostic, without a summary and without a trailing newline. */
export function renderDiagnostic(
  diagnostic: Diagnostic,
  sources: SourceLookup,
  options: Pick<TerminalOptions, 'color'>,
): string {
  return renderOne(diagnostic, lineIndexLookup(sources), makePalette(options.color));
}

/** The annotations of one file; the primary file comes first and carries the `^` marks. */
interface FileGroup {
  file: string;
  annotations: Annotation[];
}

function renderOne(
  diagnostic: Diagnostic,
  indexOf: (file: string) => LineIndex | undefined,
  palette: Palette,
): string {
  const groups = groupByFile(diagnostic);
  const gutterWidth = Math.max(1, ...groups.map((g) => widestLineNumber(g, indexOf(g.file))));
  const emptyGutter = palette.gutter(`${' '.repeat(gutterWidth)} |`);
  const headline = palette.severity(
    diagnostic.severity,
    `${diagnostic.severity}[${diagnostic.code}]`,
  );
  const out = [`${headline}${palette.bold(`: ${diagnostic.message}`)}`];
  // The primary marks take the colour of the severity, as the headline does.
  const snippetPalette: Palette = {
    ...palette,
    primary: (text) => palette.severity(diagnostic.severity, text),
  };
  groups.forEach((group, position) => {
    if (position > 0) out.push(emptyGutter);
    for (const line of renderGroup(group, indexOf(group.file), gutterWidth, snippetPalette))
      out.push(line);
  });
  const pad = ' '.repeat(gutterWidth);
  for (const note of diagnostic.notes) out.push(footer(pad, 'note', note, palette));
  for (const help of helpLines(diagnostic)) out.push(footer(pad, 'help', help, palette));
  return out.join('\n');
}

function groupByFile(diagnostic: Diagnostic): FileGroup[] {
  const primarySpan = diagnostic.span;
  const onPrimary = diagnostic.labels.filter((label) => sameSpan(label, diagnostic));
  const primary: FileGroup = {
    file: primarySpan.file,
    annotations: [
      {
        start: primarySpan.start,
        end: primarySpan.end,
        primary: true,
        message: onPrimary.map((label) => label.message).join('; '),
      },
    ],
  };
  const others = new Map<string, FileGroup>();
  for (const label of diagnostic.labels) {
    if (sameSpan(label, diagnostic)) continue;
    const annotation = {
      start: label.span.start,
      end: label.span.end,
      primary: false,
      message: label.message,
    };
    if (label.span.file === primarySpan.file) {
      primary.annotations.push(annotation);
      continue;
    }
    const group = others.get(label.span.file) ?? { file: label.span.file, annotations: [] };
    group.annotations.push(annotation);
    others.set(label.span.file, group);
  }
  const rest = [...others.values()].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0,
  );
  return [primary, ...rest];
}

function sameSpan(label: Label, diagnostic: Diagnostic): boolean {
  const { span } = diagnostic;
  return (
    label.span.file === span.file && label.span.start === span.start && label.span.end === span.end
  );
}

function widestLineNumber(group: FileGroup, index: LineIndex | undefined): number {
  if (index === undefined) return 1;
  const lines = shownLines({ file: group.file, index, annotations: group.annotations });
  return String(Math.max(...lines) + 1).length;
}

/** The `-->` header and excerpt of one file; without its text, the header and label messages. */
function renderGroup(
  group: FileGroup,
  index: LineIndex | undefined,
  gutterWidth: number,
  palette: Palette,
): string[] {
  const pad = ' '.repeat(gutterWidth);
  const arrow = palette.gutter(`${pad}-->`);
  const first = group.annotations[0];
  if (index === undefined) {
    const messages = group.annotations.filter((a) => a.message !== '');
    return [
      `${arrow} ${group.file}`,
      ...messages.map((a) => footer(pad, 'label', a.message, palette)),
    ];
  }
  const position = displayPositionAt(index, first.start);
  return [
    `${arrow} ${group.file}:${position.line}:${position.column}`,
    palette.gutter(`${pad} |`),
    ...renderSnippet(
      { file: group.file, index, annotations: group.annotations },
      gutterWidth,
      palette,
    ),
  ];
}

/**
 * The help lines: every hint, then the message of each fix that no hint already states, so a fix
 * that only the JSON or LSP output could apply is still explained on the terminal.
 */
function helpLines(diagnostic: Diagnostic): string[] {
  const lines = [...diagnostic.hints];
  for (const fix of diagnostic.fixes) {
    if (!lines.includes(fix.message)) lines.push(fix.message);
  }
  return lines;
}

/** A `= note: …` line; continuation lines of a multi-line text are indented under its start. */
function footer(pad: string, kind: string, text: string, palette: Palette): string {
  const indent = `${pad}   ${' '.repeat(kind.length + 2)}`;
  const body = text.split(/\r\n|\r|\n/).join(`\n${indent}`);
  return `${palette.gutter(`${pad} =`)} ${palette.bold(`${kind}:`)} ${body}`;
}

function makePalette(color: boolean): Palette {
  const colors = pc.createColors(color);
  const bySeverity: Record<Severity, (text: string) => string> = {
    error: (text) => colors.bold(colors.red(text)),
    warning: (text) => colors.bold(colors.yellow(text)),
    info: (text) => colors.bold(colors.cyan(text)),
  };
  return {
    primary: (text) => colors.bold(colors.red(text)),
    secondary: (text) => colors.bold(colors.blue(text)),
    gutter: (text) => colors.bold(colors.blue(text)),
    bold: (text) => colors.bold(text),
    severity: (severity, text) => bySeverity[severity](text),
  };
}
