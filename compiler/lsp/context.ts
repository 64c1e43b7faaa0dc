// The language server's state, shared by every feature: the connection, the open documents, the
// cached analyses and the pending diagnostics timers. Features are plain functions of this.
import type { Connection } from 'vscode-languageserver/node';
import { type Analysis, type AnalysisCache, analyze } from './analysis.js';
import type { DocumentStore } from './documents.js';
import { fileToUri } from './uri.js';
import type { WorkspaceCache } from './workspace.js';

/** Everything a handler may read or update. */
export interface ServerContext {
  connection: Connection;
  store: DocumentStore;
  cache: AnalysisCache;
  /** Delay between the last change of a document and its diagnostics. */
  debounceMs: number;
  /** Pending diagnostics runs by document URI. */
  timers: Map<string, NodeJS.Timeout>;
  /** When each document last changed (`performance.now()`), for the debounce. */
  lastChange: Map<string, number>;
  /** URIs of unopened (imported) files each open document has published diagnostics for. */
  published: Map<string, Set<string>>;
  /**
   * Whether the client declared `textDocument.completion.completionItem.snippetSupport`; without
   * it completion sends plain text (see completion.ts).
   */
  snippetSupport?: boolean;
  /** Base URL of the error pages, for `codeDescription`. */
  docsBaseUrl?: string;
  /** Parsed and indexed files of the current generation (see workspace.ts). */
  workspace?: WorkspaceCache;
  /** Writes a line to the editor's output channel (and never to stdout). */
  log: (message: string) => void;
}

/** The analysis of a document, or undefined when it is not open. */
export function analysisOf(ctx: ServerContext, uri: string): Analysis | undefined {
  return analyze(ctx.store, ctx.cache, uri);
}

/** The URI of a span's file, preferring the URI the editor used for an open document. */
export function uriOf(ctx: ServerContext, file: string): string {
  return fileToUri(file, ctx.store.uriOfFile);
}
