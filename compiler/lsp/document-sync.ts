// `didOpen`, `didChange`, `didClose` and `didChangeWatchedFiles`: keep the document store in step
// with the editor and schedule diagnostics. Unknown documents and malformed changes are logged.
import type { ServerContext } from './context.js';
import { changeDocument, closeDocument, openDocument } from './documents.js';
import {
  clearDiagnostics,
  publishDiagnostics,
  scheduleDependents,
  scheduleDiagnostics,
} from './diagnostics.js';
import { guardNotification } from './guard.js';
import { InvalidParams, documentUri, field } from './params.js';

function versionOf(params: unknown): number {
  const textDocument = field(params, 'textDocument') as Record<string, unknown>;
  return typeof textDocument.version === 'number' ? textDocument.version : 0;
}

/** Registers the text-document synchronisation notifications. */
export function registerDocumentSync(ctx: ServerContext): void {
  const on = (method: string, handler: (params: unknown) => void): void =>
    void ctx.connection.onNotification(method, guardNotification(ctx, method, handler));
  on('textDocument/didOpen', (params) => {
    const uri = documentUri(params);
    const text = (field(params, 'textDocument') as Record<string, unknown>).text;
    if (typeof text !== 'string')
      throw new InvalidParams('expected textDocument.text to be a string');
    openDocument(ctx.store, uri, text, versionOf(params));
    publishDiagnostics(ctx, uri);
    scheduleDependents(ctx, uri, ctx.store.byUri.get(uri)?.file ?? uri);
  });
  on('textDocument/didChange', (params) => {
    const uri = documentUri(params);
    const changes = field(params, 'contentChanges');
    if (!Array.isArray(changes)) throw new InvalidParams('expected contentChanges to be an array');
    const problem = changeDocument(ctx.store, uri, changes, versionOf(params));
    if (problem) ctx.log(problem);
    if (!ctx.store.byUri.has(uri)) return;
    scheduleDiagnostics(ctx, uri);
    scheduleDependents(ctx, uri, ctx.store.byUri.get(uri)?.file ?? uri);
  });
  on('textDocument/didClose', (params) => {
    const uri = documentUri(params);
    if (!closeDocument(ctx.store, uri)) ctx.log(`didClose: ${uri} was not open`);
    ctx.cache.byUri.delete(uri);
    clearDiagnostics(ctx, uri);
  });
  on('textDocument/didSave', () => undefined);
  on('workspace/didChangeWatchedFiles', () => {
    ctx.store.generation++;
    for (const uri of ctx.store.byUri.keys()) scheduleDiagnostics(ctx, uri);
  });
  on('initialized', () => undefined);
  on('workspace/didChangeConfiguration', () => undefined);
}
