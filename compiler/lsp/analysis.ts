// One compilation of an open document, cached until any document changes. Every feature reads
// the same `Analysis`: the compiler's result (AST, declarations, graphs, diagnostics) and a line
// index for converting offsets. Imports resolve relative to the importing file; an open document's
// text wins over the file on disk, so unsaved edits to an imported file are seen at once.
import { dirname, resolve } from 'node:path';
import { type CompileResult, type SourceHost, compileSource } from '../compile.js';
import { type LineIndex, buildLineIndex } from '../diagnostics/line-index.js';
import { readSource } from '../host/read-source.js';
import { parse } from '../../grammar/parse.js';
import { checkSourceText } from '../source-checks.js';
import type { DocumentStore, OpenDocument } from './documents.js';
import { type ExpansionIndex, indexExpansions } from './graph-lookup.js';

/** The compiler's view of one open document. Invariant: `result` was computed from `text`. */
export interface Analysis {
  uri: string;
  file: string;
  version: number;
  text: string;
  index: LineIndex;
  result: CompileResult;
  /** The store's generation this analysis was computed at. */
  generation: number;
  /** Milliseconds the compilation took. */
  elapsed: number;
  /** What each span expanded to; computed on first use (see `expansionsOf`). */
  expansions?: ExpansionIndex;
}

/** The expansion index of an analysis, computed once. */
export function expansionsOf(analysis: Analysis): ExpansionIndex {
  analysis.expansions ??= indexExpansions(analysis.result.program.models);
  return analysis.expansions;
}

/** A host that reads open documents first, then the disk. */
export function documentHost(store: DocumentStore): SourceHost {
  return {
    read(path) {
      const uri = store.uriOfFile.get(path);
      const open = uri === undefined ? undefined : store.byUri.get(uri);
      // An open document that `cnnc check` would refuse to read cannot be imported either.
      if (open) return checkSourceText(path, open.text) ? undefined : open.text;
      if (/^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) return undefined;
      const read = readSource(path);
      return read.kind === 'ok' ? read.text : undefined;
    },
    resolve(fromFile, spec) {
      return resolve(dirname(fromFile), spec);
    },
  };
}

/** Caches analyses per document URI. */
export interface AnalysisCache {
  byUri: Map<string, Analysis>;
}

export function createAnalysisCache(): AnalysisCache {
  return { byUri: new Map() };
}

/** The current analysis of `uri`, compiling it if any document changed since; undefined if closed. */
export function analyze(
  store: DocumentStore,
  cache: AnalysisCache,
  uri: string,
): Analysis | undefined {
  const document = store.byUri.get(uri);
  if (!document) {
    cache.byUri.delete(uri);
    return undefined;
  }
  const cached = cache.byUri.get(uri);
  if (cached && cached.generation === store.generation) return cached;
  const analysis = compileDocument(store, document);
  cache.byUri.set(uri, analysis);
  return analysis;
}

function compileDocument(store: DocumentStore, document: OpenDocument): Analysis {
  const start = performance.now();
  // The same checks as `cnnc check` before compiling: a document over 1 MB, or binary, is refused
  // with the CLI's diagnostic and never reaches the parser.
  const refused = checkSourceText(document.file, document.text);
  const result: CompileResult = refused
    ? {
        program: { models: [], train: [] },
        diagnostics: [refused],
        ast: parse('', document.file).ast,
        texts: new Map([[document.file, document.text]]),
      }
    : compileSource(document.file, document.text, documentHost(store));
  return {
    uri: document.uri,
    file: document.file,
    version: document.version,
    text: document.text,
    index: buildLineIndex(document.text),
    result,
    generation: store.generation,
    elapsed: performance.now() - start,
  };
}
