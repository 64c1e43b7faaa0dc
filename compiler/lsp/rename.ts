// Rename of blocks, constants, bindings, parameters and loop variables, in every file that uses
// them. The new name must be an identifier that is neither a keyword nor a layer name, and must not
// be declared already where the renamed symbol is declared or used: a rename that would make two
// declarations collide, or capture a use, is refused with an error response.
import {
  ErrorCodes,
  ResponseError,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { keywords } from '../../grammar/tokens.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { positionAt } from '../diagnostics/line-index.js';
import { lookupLayer } from '../layers/registry.js';
import type { ServerContext } from './context.js';
import { locationOf, occurrenceUnderCursor, occurrencesOf } from './navigation.js';
import { InvalidParams, field } from './params.js';
import type { Occurrence, SymbolDef } from './symbol-index.js';
import { allWorkspaceFiles, workspaceFile } from './workspace.js';

/** The language's keywords, from the lexer's token names (`LetKeyword` → `let`). */
const KEYWORDS = new Set(keywords.map((token) => token.name.replace(/Keyword$/, '').toLowerCase()));

const KIND_NAMES: Readonly<Record<SymbolDef['kind'], string>> = {
  block: 'a block',
  const: 'a constant',
  model: 'a model',
  let: 'a `let` binding',
  input: 'an input',
  param: 'a block parameter',
  loop: 'a loop variable',
};

/** `textDocument/prepareRename`: the range of the name under the cursor, if it can be renamed. */
export function prepareRename(ctx: ServerContext, params: unknown) {
  const occurrence = occurrenceUnderCursor(ctx, params);
  if (!occurrence?.def) return null;
  return { range: locationOf(ctx, occurrence.span).range, placeholder: occurrence.name };
}

/** `textDocument/rename`. */
export function rename(
  ctx: ServerContext,
  params: unknown,
): WorkspaceEdit | ResponseError<void> | null {
  const newName = field(params, 'newName');
  if (typeof newName !== 'string') throw new InvalidParams('expected newName to be a string');
  const def = occurrenceUnderCursor(ctx, params)?.def;
  if (!def) return null;
  const occurrences = occurrencesOf(ctx, def);
  const problem =
    nameProblem(newName) ??
    (newName === def.name ? undefined : collision(ctx, def, occurrences, newName));
  if (problem) return new ResponseError(ErrorCodes.InvalidParams, problem);
  const changes: Record<string, TextEdit[]> = {};
  for (const occurrence of occurrences) {
    const location = locationOf(ctx, occurrence.span);
    (changes[location.uri] ??= []).push({ range: location.range, newText: newName });
  }
  return { changes };
}

/** Why `name` cannot name anything, if it cannot. */
function nameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return `\`${name}\` is not a valid name: use letters, digits and \`_\`, not starting with a digit`;
  if (KEYWORDS.has(name)) return `\`${name}\` is a keyword`;
  if (lookupLayer(name)) return `\`${name}\` is a layer; choose another name`;
  return undefined;
}

/**
 * Another declaration named `newName` that the renamed symbol would collide with: a block, constant
 * or model visible in any file that uses the symbol, or a local declaration in any top-level item
 * (block, model) that declares or uses it.
 */
function collision(
  ctx: ServerContext,
  def: SymbolDef,
  occurrences: readonly Occurrence[],
  newName: string,
): string | undefined {
  const files = new Set(occurrences.map((o) => o.span.file));
  const global = def.kind === 'block' || def.kind === 'const' || def.kind === 'model';
  const scopes = global
    ? allWorkspaceFiles(ctx)
    : [workspaceFile(ctx, def.nameSpan.file) ?? []].flat();
  for (const file of scopes) {
    if (!files.has(file.file) && !global) continue;
    const other = file.globals.get(newName);
    if (other && other.id !== def.id) return describe(ctx, newName, other);
    if (!files.has(file.file)) continue;
    const items = file.ast.items.filter((item) =>
      occurrences.some(
        (o) =>
          o.span.file === file.file &&
          item.span.start <= o.span.start &&
          o.span.end <= item.span.end,
      ),
    );
    const local = file.index.occurrences.find(
      (o) =>
        o.isDefinition &&
        o.def !== undefined &&
        o.def.name === newName &&
        o.def.id !== def.id &&
        items.some((item) => item.span.start <= o.span.start && o.span.end <= item.span.end),
    );
    if (local?.def) return describe(ctx, newName, local.def);
  }
  return undefined;
}

function describe(ctx: ServerContext, name: string, other: SymbolDef): string {
  return `\`${name}\` is already ${KIND_NAMES[other.kind]}, declared at ${where(ctx, other.nameSpan)}; choose another name`;
}

function where(ctx: ServerContext, span: Span): string {
  const lines = workspaceFile(ctx, span.file)?.lines;
  const position = lines ? positionAt(lines, span.start) : { line: 0, character: 0 };
  const base = span.file.split(/[\\/]/).pop() ?? span.file;
  return `${base}:${position.line + 1}:${position.character + 1}`;
}
