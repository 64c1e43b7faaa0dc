// The open documents: their text, kept in sync with the editor's `didOpen`/`didChange`/`didClose`
// notifications. Edits are applied with the compiler's line index, which clamps positions, so an
// edit with a range past the end of the text is applied at the end instead of corrupting the text;
// a change that is not shaped like one (no text, a range of non-numbers) is refused and logged.
import { buildLineIndex, offsetAt } from '../diagnostics/line-index.js';
import { uriToFile } from './uri.js';

/** One open document. Invariant: `file` is `uriToFile(uri)`. */
export interface OpenDocument {
  uri: string;
  file: string;
  version: number;
  text: string;
}

/** The open documents by URI, with the file-name ↔ URI map the diagnostics need. */
export interface DocumentStore {
  byUri: Map<string, OpenDocument>;
  /** File name → URI of every open document. */
  uriOfFile: Map<string, string>;
  /** Incremented on every open, change and close, so cached analyses know they are stale. */
  generation: number;
}

export function createDocumentStore(): DocumentStore {
  return { byUri: new Map(), uriOfFile: new Map(), generation: 0 };
}

/** Opens (or reopens) a document. */
export function openDocument(store: DocumentStore, uri: string, text: string, version: number) {
  const file = uriToFile(uri);
  store.byUri.set(uri, { uri, file, version, text });
  store.uriOfFile.set(file, uri);
  store.generation++;
}

/** Closes a document; closing one that is not open does nothing and returns false. */
export function closeDocument(store: DocumentStore, uri: string): boolean {
  const document = store.byUri.get(uri);
  if (!document) return false;
  store.byUri.delete(uri);
  store.uriOfFile.delete(document.file);
  store.generation++;
  return true;
}

interface Position {
  line: number;
  character: number;
}

/** An LSP content change: the whole text, or a range and its replacement. */
export interface ContentChange {
  range?: { start: Position; end: Position };
  text: string;
}

/**
 * Applies content changes in order, returning an error message for the first malformed one (the
 * document then keeps the changes before it). Unknown documents are an error too.
 */
export function changeDocument(
  store: DocumentStore,
  uri: string,
  changes: readonly unknown[],
  version: number,
): string | undefined {
  const document = store.byUri.get(uri);
  if (!document) return `cannot change ${uri}: it is not open`;
  store.generation++;
  document.version = version;
  for (const change of changes) {
    if (!isContentChange(change)) return `ignored a malformed change to ${uri}`;
    if (change.range === undefined) {
      document.text = change.text;
      continue;
    }
    const index = buildLineIndex(document.text);
    let start = offsetAt(index, change.range.start);
    let end = offsetAt(index, change.range.end);
    if (end < start) [start, end] = [end, start];
    document.text = document.text.slice(0, start) + change.text + document.text.slice(end);
  }
  return undefined;
}

function isPosition(value: unknown): value is Position {
  if (typeof value !== 'object' || value === null) return false;
  const { line, character } = value as Record<string, unknown>;
  return Number.isFinite(line) && Number.isFinite(character);
}

function isContentChange(value: unknown): value is ContentChange {
  if (typeof value !== 'object' || value === null) return false;
  const { range, text } = value as Record<string, unknown>;
  if (typeof text !== 'string') return false;
  if (range === undefined) return true;
  if (typeof range !== 'object' || range === null) return false;
  const { start, end } = range as Record<string, unknown>;
  return isPosition(start) && isPosition(end);
}
