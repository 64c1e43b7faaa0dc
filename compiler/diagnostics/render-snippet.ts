// The source excerpt of a terminal report: the lines of one file that carry annotations, each
// followed by its marks (`^^^` for the primary span, `---` for labels) and their messages, laid
// out as rustc does. Pure text in, text lines out; colour comes from the palette it is given.
import {
  type LineIndex,
  clampOffset,
  lineContentEnd,
  lineOf,
  lineStart,
  lineText,
} from './line-index.js';

/** How many columns a tab takes in an excerpt (tabs are expanded, never printed). */
export const TAB_WIDTH = 4;

/** One marked span of a file: the primary span of a diagnostic or one of its labels. */
export interface Annotation {
  start: number;
  end: number;
  primary: boolean;
  /** The text printed beside or below the marks; empty for bare marks. */
  message: string;
}

/** The annotations of one file, with that file's line index. */
export interface SnippetBlock {
  file: string;
  index: LineIndex;
  annotations: Annotation[];
}

export type Formatter = (text: string) => string;

/** The colours of an excerpt; identity functions give plain text. */
export interface SnippetPalette {
  primary: Formatter;
  secondary: Formatter;
  gutter: Formatter;
}

/** An annotation placed on its first line, in display columns (tabs expanded). */
interface PlacedAnnotation {
  line: number;
  startColumn: number;
  endColumn: number;
  primary: boolean;
  message: string;
}

type CellStyle = 'primary' | 'secondary' | undefined;

interface Cell {
  text: string;
  style: CellStyle;
}

/** The 0-based lines an excerpt shows: annotated lines and any single line between two of them. */
export function shownLines(block: SnippetBlock): number[] {
  const annotated = [...new Set(block.annotations.map((a) => lineOf(block.index, a.start)))];
  annotated.sort((x, y) => x - y);
  const lines: number[] = [];
  for (const line of annotated) {
    const previous = lines[lines.length - 1];
    // NOTE: one hidden line is shown rather than replaced by `...`, which would take as much room.
    if (previous !== undefined && line - previous === 2) lines.push(previous + 1);
    lines.push(line);
  }
  return lines;
}

/**
 * Renders the excerpt of one block, without its `-->` header, as lines of text. `gutterWidth` is
 * the width of the widest line number in the whole diagnostic, so every block lines up.
 */
export function renderSnippet(
  block: SnippetBlock,
  gutterWidth: number,
  palette: SnippetPalette,
): string[] {
  const placed = block.annotations.map((a) => placeAnnotation(block.index, a));
  const emptyGutter = palette.gutter(`${' '.repeat(gutterWidth)} |`);
  const out: string[] = [];
  let previous: number | undefined;
  for (const line of shownLines(block)) {
    if (previous !== undefined && line - previous > 1) out.push('...');
    previous = line;
    const text = displayText(lineText(block.index, line)).trimEnd();
    const number = palette.gutter(`${String(line + 1).padStart(gutterWidth)} |`);
    out.push(text === '' ? number : `${number} ${text}`);
    const onLine = placed.filter((p) => p.line === line);
    for (const row of annotationRows(onLine)) {
      const painted = paintCells(row, palette);
      out.push(painted === '' ? emptyGutter : `${emptyGutter} ${painted}`);
    }
  }
  return out;
}

/** The source text as printed: tabs expanded, other control characters made visible. */
export function displayText(text: string): string {
  let out = '';
  for (const char of text) out += displayChar(char);
  return out;
}

/** The display width of `text`, counting code points and expanding tabs. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += displayChar(char).length;
  return width;
}

function displayChar(char: string): string {
  if (char === '\t') return ' '.repeat(TAB_WIDTH);
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return '\uFFFD';
  // A surrogate pair counts as one column; its replacement keeps that width.
  return char.length === 2 ? '\uFFFD' : char;
}

/**
 * Places an annotation on its first line. A span running past the end of that line is marked
 * to the line's end; an empty span, or one at the end of a line, gets a single mark.
 */
function placeAnnotation(index: LineIndex, annotation: Annotation): PlacedAnnotation {
  const line = lineOf(index, annotation.start);
  const startOfLine = lineStart(index, line);
  const endOfLine = lineContentEnd(index, line);
  const start = Math.min(clampOffset(index, annotation.start), endOfLine);
  const end = Math.min(Math.max(clampOffset(index, annotation.end), start), endOfLine);
  const text = lineText(index, line);
  const startColumn = displayWidth(text.slice(0, start - startOfLine));
  const endColumn = Math.max(displayWidth(text.slice(0, end - startOfLine)), startColumn + 1);
  const message = annotation.message.replace(/\s*[\r\n]+\s*/g, ' ');
  return { line, startColumn, endColumn, primary: annotation.primary, message };
}

/**
 * The rows under one source line: the marks, the message of the rightmost annotation beside
 * them, and the other messages below, each hanging from a `|` under its marks.
 */
function annotationRows(placed: PlacedAnnotation[]): Cell[][] {
  if (placed.length === 0) return [];
  const sorted = [...placed].sort(
    (a, b) => a.startColumn - b.startColumn || Number(b.primary) - Number(a.primary),
  );
  const marks: Cell[] = [];
  // Labels first, so the primary marks win where spans overlap.
  for (const annotation of [...sorted].sort((a, b) => Number(a.primary) - Number(b.primary))) {
    const style: CellStyle = annotation.primary ? 'primary' : 'secondary';
    const mark = annotation.primary ? '^' : '-';
    for (let column = annotation.startColumn; column < annotation.endColumn; column++) {
      put(marks, column, mark, style);
    }
  }
  const labelled = sorted.filter((a) => a.message !== '');
  const last = labelled[labelled.length - 1];
  const inline =
    last !== undefined && sorted.every((a) => a === last || a.endColumn <= last.endColumn)
      ? last
      : undefined;
  if (inline !== undefined) put(marks, marks.length + 1, inline.message, styleOf(inline));
  const below = labelled.filter((a) => a !== inline).reverse();
  if (below.length === 0) return [marks];
  const connectors: Cell[] = [];
  for (const annotation of below) put(connectors, annotation.startColumn, '|', styleOf(annotation));
  const rows = [marks, connectors];
  below.forEach((annotation, position) => {
    const row: Cell[] = [];
    for (const pending of below.slice(position + 1)) {
      put(row, pending.startColumn, '|', styleOf(pending));
    }
    put(row, annotation.startColumn, annotation.message, styleOf(annotation));
    rows.push(row);
  });
  return rows;
}

function styleOf(annotation: PlacedAnnotation): CellStyle {
  return annotation.primary ? 'primary' : 'secondary';
}

/** Writes `text` into `row` from `column`, one cell per code point, padding with blanks. */
function put(row: Cell[], column: number, text: string, style: CellStyle): void {
  while (row.length < column) row.push({ text: ' ', style: undefined });
  let at = column;
  for (const char of text) {
    row[at] = { text: char, style };
    at++;
  }
}

/** Joins cells into text, colouring each run of one style, without trailing blanks. */
function paintCells(row: Cell[], palette: SnippetPalette): string {
  let end = row.length;
  while (end > 0 && row[end - 1].text === ' ') end--;
  let out = '';
  let idx = 0;
  while (idx < end) {
    const style = row[idx].style;
    let run = '';
    while (idx < end && row[idx].style === style) run += row[idx++].text;
    out += style === undefined ? run : palette[style](run);
  }
  return out;
}
