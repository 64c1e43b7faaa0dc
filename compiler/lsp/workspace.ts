// The files the server knows: open documents and every file they import, each parsed once per
// generation of the document store and indexed with the blocks and constants it can see. Cross-file
// features (references and rename across imports) read this.
import { dirname, resolve } from 'node:path';
import type { FileAst } from '../../grammar/ast.js';
import { parse } from '../../grammar/parse.js';
import { type LineIndex, buildLineIndex } from '../diagnostics/line-index.js';
import { documentHost } from './analysis.js';
import { analysisOf, type ServerContext } from './context.js';
import { type FileIndex, type SymbolDef, globalSymbols, indexFile } from './symbol-index.js';

/** One indexed file. */
export interface WorkspaceFile {
  file: string;
  text: string;
  ast: FileAst;
  lines: LineIndex;
  index: FileIndex;
  /** The blocks, constants and models this file can see (its own and imported ones). */
  globals: Map<string, SymbolDef>;
}

/** The indexed files of one generation, by file name. */
export interface WorkspaceCache {
  generation: number;
  files: Map<string, WorkspaceFile>;
  asts: Map<string, FileAst>;
}

function cacheOf(ctx: ServerContext): WorkspaceCache {
  const cached = ctx.workspace;
  if (cached && cached.generation === ctx.store.generation) return cached;
  const fresh: WorkspaceCache = {
    generation: ctx.store.generation,
    files: new Map(),
    asts: new Map(),
  };
  ctx.workspace = fresh;
  return fresh;
}

function astOf(ctx: ServerContext, file: string, cache: WorkspaceCache): FileAst | undefined {
  const cached = cache.asts.get(file);
  if (cached) return cached;
  const uri = ctx.store.uriOfFile.get(file);
  const analysis = uri === undefined ? undefined : analysisOf(ctx, uri);
  const text = analysis?.text ?? documentHost(ctx.store).read(file);
  if (text === undefined) return undefined;
  const ast = analysis?.result.ast ?? parse(text, file).ast;
  cache.asts.set(file, ast);
  return ast;
}

/** `file` and the files it imports, transitively; imported files first, `file` last. */
function withImports(ctx: ServerContext, root: FileAst, cache: WorkspaceCache): FileAst[] {
  const seen = new Set<string>([root.file]);
  const order: FileAst[] = [];
  const visit = (ast: FileAst): void => {
    for (const item of ast.items) {
      if (item.kind !== 'Import') continue;
      const target = resolve(dirname(ast.file), item.path);
      if (seen.has(target)) continue;
      seen.add(target);
      const imported = astOf(ctx, target, cache);
      if (imported) {
        visit(imported);
        order.push(imported);
      }
    }
  };
  visit(root);
  return [...order, root];
}

/** The indexed file `file`, or undefined when it cannot be read. */
export function workspaceFile(ctx: ServerContext, file: string): WorkspaceFile | undefined {
  const cache = cacheOf(ctx);
  const cached = cache.files.get(file);
  if (cached) return cached;
  const ast = astOf(ctx, file, cache);
  if (!ast) return undefined;
  const globals = globalSymbols(withImports(ctx, ast, cache));
  const text = textOf(ctx, file) ?? '';
  const indexed: WorkspaceFile = {
    file,
    text,
    ast,
    lines: buildLineIndex(text),
    index: indexFile(ast, globals),
    globals,
  };
  cache.files.set(file, indexed);
  return indexed;
}

function textOf(ctx: ServerContext, file: string): string | undefined {
  const uri = ctx.store.uriOfFile.get(file);
  const open = uri === undefined ? undefined : ctx.store.byUri.get(uri);
  return open?.text ?? documentHost(ctx.store).read(file);
}

/** Every open document and every file they import, indexed. */
export function allWorkspaceFiles(ctx: ServerContext): WorkspaceFile[] {
  const cache = cacheOf(ctx);
  const files = new Set<string>();
  for (const document of ctx.store.byUri.values()) {
    files.add(document.file);
    const ast = astOf(ctx, document.file, cache);
    if (ast) for (const visible of withImports(ctx, ast, cache)) files.add(visible.file);
  }
  return [...files].flatMap((file) => workspaceFile(ctx, file) ?? []);
}
