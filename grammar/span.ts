// Source spans: where in which file a token, node or diagnostic lies.

/** A half-open range of UTF-16 offsets `[start, end)` in the text of `file`. */
export interface Span {
  file: string;
  start: number;
  end: number;
}

/** The smallest span covering both `a` and `b` (which must be in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
