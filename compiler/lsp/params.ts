// Defensive readers of request parameters. A client may send anything; these check the shape the
// handlers need and throw `InvalidParams`, which the guard turns into a JSON-RPC error response.
import type { LineIndex } from '../diagnostics/line-index.js';
import { offsetAt } from '../diagnostics/line-index.js';

/** A malformed request; the guard answers it with JSON-RPC error -32602. */
export class InvalidParams extends Error {}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidParams(`expected ${what} to be an object`);
  return value as Record<string, unknown>;
}

/** `params.textDocument.uri`. */
export function documentUri(params: unknown): string {
  const textDocument = record(record(params, 'params').textDocument, 'params.textDocument');
  if (typeof textDocument.uri !== 'string')
    throw new InvalidParams('expected params.textDocument.uri to be a string');
  return textDocument.uri;
}

/** A `Position`; numbers are required, out-of-range values are clamped later. */
export function readPosition(value: unknown, what = 'params.position'): Position {
  const position = record(value, what);
  const { line, character } = position;
  if (typeof line !== 'number' || typeof character !== 'number' || !isFinite(line + character))
    throw new InvalidParams(`expected ${what} to have numeric line and character`);
  return { line, character };
}

/** A `Range`. */
export function readRange(value: unknown, what = 'params.range'): Range {
  const range = record(value, what);
  return {
    start: readPosition(range.start, `${what}.start`),
    end: readPosition(range.end, `${what}.end`),
  };
}

/** `params.position` as an offset in the document (clamped into the text). */
export function positionOffset(params: unknown, index: LineIndex): number {
  return offsetAt(index, readPosition(record(params, 'params').position));
}

/** An optional field of the params object. */
export function field(params: unknown, name: string): unknown {
  return record(params, 'params')[name];
}
