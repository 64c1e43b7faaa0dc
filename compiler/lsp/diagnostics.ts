// Publishes diagnostics: on open at once, on change after a short debounce, so a burst of
// keystrokes compiles once. Diagnostics in an imported file that is not open are published under
// that file's URI (the Problems view shows them); an open file owns its own diagnostics.
import { groupByUri } from '../diagnostics/render-lsp.js';
import { analysisOf, type ServerContext, uriOf } from './context.js';

/**
 * Schedules diagnostics for `uri`. The first change after a quiet period compiles at once (on the
 * next turn of the event loop), so a single edit is not delayed; changes that follow it within
 * `ctx.debounceMs` restart a timer, so a burst of keystrokes compiles once more at its end.
 */
export function scheduleDiagnostics(ctx: ServerContext, uri: string): void {
  const now = performance.now();
  const pending = ctx.timers.get(uri);
  const quiet = now - (ctx.lastChange.get(uri) ?? -Infinity) > ctx.debounceMs;
  ctx.lastChange.set(uri, now);
  if (pending) clearTimeout(pending);
  const run = (): void => {
    ctx.timers.delete(uri);
    try {
      publishDiagnostics(ctx, uri);
    } catch (error) {
      ctx.log(`diagnostics of ${uri}: internal error: ${String(error)}`);
    }
  };
  ctx.timers.set(uri, setTimeout(run, quiet && !pending ? 0 : ctx.debounceMs));
}

/** After `changedFile` changed, schedules every other open document that imports it. */
export function scheduleDependents(ctx: ServerContext, changedUri: string, changedFile: string) {
  for (const [uri, analysis] of ctx.cache.byUri) {
    if (uri !== changedUri && analysis.result.texts.has(changedFile)) scheduleDiagnostics(ctx, uri);
  }
}

/** Compiles `uri` (if needed) and sends `textDocument/publishDiagnostics`. */
export function publishDiagnostics(ctx: ServerContext, uri: string): void {
  const analysis = analysisOf(ctx, uri);
  if (!analysis) return;
  const { result } = analysis;
  const grouped = groupByUri(result.diagnostics, (file) => result.texts.get(file), {
    toUri: (file) => uriOf(ctx, file),
    docsBaseUrl: ctx.docsBaseUrl,
  });
  const version = analysis.version;
  void ctx.connection.sendDiagnostics({ uri, version, diagnostics: grouped.get(uri) ?? [] });
  const foreign = new Set<string>();
  for (const [other, diagnostics] of grouped) {
    if (other === uri || ctx.store.byUri.has(other)) continue;
    foreign.add(other);
    void ctx.connection.sendDiagnostics({ uri: other, diagnostics });
  }
  for (const stale of ctx.published.get(uri) ?? [])
    if (!foreign.has(stale) && !ctx.store.byUri.has(stale))
      void ctx.connection.sendDiagnostics({ uri: stale, diagnostics: [] });
  ctx.published.set(uri, foreign);
}

/** Clears what a closed document published: its own diagnostics and its imports'. */
export function clearDiagnostics(ctx: ServerContext, uri: string): void {
  const pending = ctx.timers.get(uri);
  if (pending) clearTimeout(pending);
  ctx.timers.delete(uri);
  ctx.lastChange.delete(uri);
  void ctx.connection.sendDiagnostics({ uri, diagnostics: [] });
  for (const stale of ctx.published.get(uri) ?? [])
    if (!ctx.store.byUri.has(stale))
      void ctx.connection.sendDiagnostics({ uri: stale, diagnostics: [] });
  ctx.published.delete(uri);
}
