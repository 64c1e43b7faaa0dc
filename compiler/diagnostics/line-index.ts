// Converts between the UTF-16 offsets that spans hold and line/column positions, for the
// renderers. Lines end at `\n`, `\r\n` or a lone `\r`, as in the LSP specification, and every
// lookup clamps out-of-range input instead of throwing, so a stale span never crashes a report.

/**
 * The start offset of every line of one text.
 *
 * Invariant: `lineStarts[0] === 0`, the starts are strictly increasing, and there is always at
 * least one line (an empty text has one empty line; a text ending in a newline has an empty last
 * line).
 */
export interface LineIndex {
  readonly text: string;
  readonly lineStarts: readonly number[];
}

/** A 0-based position, in UTF-16 code units, as LSP uses it (`character` is a column). */
export interface Position {
  line: number;
  character: number;
}

/** A 1-based position, in UTF-16 code units, as terminals and JSON reports show it. */
export interface DisplayPosition {
  line: number;
  column: number;
}

/** Scans `text` once and records where each line starts. */
export function buildLineIndex(text: string): LineIndex {
  const lineStarts = [0];
  for (let idx = 0; idx < text.length; idx++) {
    const code = text.charCodeAt(idx);
    if (code === 0x0d && text.charCodeAt(idx + 1) === 0x0a) {
      idx++;
      lineStarts.push(idx + 1);
    } else if (code === 0x0a || code === 0x0d) {
      lineStarts.push(idx + 1);
    }
  }
  return { text, lineStarts };
}

/** The number of lines, at least 1. */
export function lineCount(index: LineIndex): number {
  return index.lineStarts.length;
}

/** Brings any number (negative, fractional, NaN, past the end) into `[0, text.length]`. */
export function clampOffset(index: LineIndex, offset: number): number {
  if (!Number.isFinite(offset)) return offset === Infinity ? index.text.length : 0;
  return Math.min(Math.max(Math.floor(offset), 0), index.text.length);
}

/** The offset where the 0-based `line` starts; lines past the end clamp to the last one. */
export function lineStart(index: LineIndex, line: number): number {
  return index.lineStarts[clampLine(index, line)];
}

/** The offset where the content of the 0-based `line` ends, before its line terminator. */
export function lineContentEnd(index: LineIndex, line: number): number {
  const clamped = clampLine(index, line);
  const next = index.lineStarts[clamped + 1];
  if (next === undefined) return index.text.length;
  const crlf = index.text.charCodeAt(next - 2) === 0x0d && index.text.charCodeAt(next - 1) === 0x0a;
  return next - (crlf && next - 2 >= index.lineStarts[clamped] ? 2 : 1);
}

/** The text of the 0-based `line`, without its line terminator. */
export function lineText(index: LineIndex, line: number): string {
  return index.text.slice(lineStart(index, line), lineContentEnd(index, line));
}

/** The 0-based line that contains `offset` (after clamping). */
export function lineOf(index: LineIndex, offset: number): number {
  const target = clampOffset(index, offset);
  const starts = index.lineStarts;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= target) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * The 0-based position of `offset`. An offset inside a `\r\n` pair, or past the end of the text,
 * maps to the end of its line's content.
 */
export function positionAt(index: LineIndex, offset: number): Position {
  const line = lineOf(index, offset);
  const target = Math.min(clampOffset(index, offset), lineContentEnd(index, line));
  return { line, character: target - index.lineStarts[line] };
}

/** The 1-based position of `offset`, for people: `file:line:column`. */
export function displayPositionAt(index: LineIndex, offset: number): DisplayPosition {
  const position = positionAt(index, offset);
  return { line: position.line + 1, column: position.character + 1 };
}

/**
 * The offset of a 0-based position; the inverse of `positionAt`. Lines past the end clamp to the
 * last line and characters past the end of a line clamp to its content end, as LSP requires.
 */
export function offsetAt(index: LineIndex, position: Position): number {
  const line = clampLine(index, position.line);
  const start = index.lineStarts[line];
  const character = Number.isFinite(position.character) ? Math.floor(position.character) : 0;
  return Math.min(start + Math.max(character, 0), lineContentEnd(index, line));
}

function clampLine(index: LineIndex, line: number): number {
  if (!Number.isFinite(line)) return line === Infinity ? index.lineStarts.length - 1 : 0;
  return Math.min(Math.max(Math.floor(line), 0), index.lineStarts.length - 1);
}

/** Returns the text of a file, or `undefined` when it cannot be read. */
export type SourceLookup = (file: string) => string | undefined;

/**
 * Wraps a source lookup so each file is indexed at most once per report. A file whose text is
 * unavailable maps to `undefined`, and renderers then show its spans without a source excerpt.
 */
export function lineIndexLookup(sources: SourceLookup): (file: string) => LineIndex | undefined {
  const cache = new Map<string, LineIndex | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      const text = sources(file);
      cache.set(file, text === undefined ? undefined : buildLineIndex(text));
    }
    return cache.get(file);
  };
}
