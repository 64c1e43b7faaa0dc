// Go to definition and find references for blocks, constants, `let`/`input` bindings, block
// parameters and loop variables, across the open documents and the files they import.
import type { Location } from 'vscode-languageserver/node';
import type { Span } from '../diagnostics/diagnostic.js';
import { positionAt } from '../diagnostics/line-index.js';
import { type ServerContext, uriOf } from './context.js';
import { documentUri, field, positionOffset } from './params.js';
import { type Occurrence, type SymbolDef, occurrenceAt } from './symbol-index.js';
import { uriToFile } from './uri.js';
import { allWorkspaceFiles, workspaceFile } from './workspace.js';

/** The occurrence under the cursor of a position request, if any. */
export function occurrenceUnderCursor(ctx: ServerContext, params: unknown): Occurrence | undefined {
  const uri = documentUri(params);
  if (!ctx.store.byUri.has(uri)) return undefined;
  const file = workspaceFile(ctx, uriToFile(uri));
  if (!file) return undefined;
  return occurrenceAt(file.index, positionOffset(params, file.lines));
}

/** An LSP location of a span, in whichever workspace file holds it. */
export function locationOf(ctx: ServerContext, span: Span): Location {
  const lines = workspaceFile(ctx, span.file)?.lines;
  const start = lines ? positionAt(lines, span.start) : { line: 0, character: 0 };
  const end = lines ? positionAt(lines, span.end) : start;
  return { uri: uriOf(ctx, span.file), range: { start, end } };
}

/** Every occurrence of `def` in the workspace, its definition included. */
export function occurrencesOf(ctx: ServerContext, def: SymbolDef): Occurrence[] {
  const local = def.kind !== 'block' && def.kind !== 'const' && def.kind !== 'model';
  const files = local
    ? [workspaceFile(ctx, def.nameSpan.file) ?? []].flat()
    : allWorkspaceFiles(ctx);
  return files.flatMap((file) => file.index.occurrences.filter((o) => o.def?.id === def.id));
}

/** `textDocument/definition`. */
export function definition(ctx: ServerContext, params: unknown): Location | null {
  const def = occurrenceUnderCursor(ctx, params)?.def;
  return def ? locationOf(ctx, def.nameSpan) : null;
}

/** `textDocument/references`; `context.includeDeclaration` decides whether the definition counts. */
export function references(ctx: ServerContext, params: unknown): Location[] | null {
  const def = occurrenceUnderCursor(ctx, params)?.def;
  if (!def) return null;
  const context = field(params, 'context') as { includeDeclaration?: unknown } | undefined;
  const withDeclaration = context?.includeDeclaration !== false;
  return occurrencesOf(ctx, def)
    .filter((o) => withDeclaration || !o.isDefinition)
    .map((o) => locationOf(ctx, o.span));
}
