// Rename of blocks, constants, bindings, parameters and loop variables, in every file that uses
// them. The new name must be an identifier that is neither a keyword nor a layer name.
import {
  ErrorCodes,
  ResponseError,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { lookupLayer } from '../layers/registry.js';
import type { ServerContext } from './context.js';
import { locationOf, occurrenceUnderCursor, occurrencesOf } from './navigation.js';
import { InvalidParams, field } from './params.js';

const KEYWORDS = new Set(
  'model block const train import input output let repeat for in if else residual shortcut concat branch dense true false and or not'.split(
    ' ',
  ),
);

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
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || KEYWORDS.has(newName))
    return new ResponseError(ErrorCodes.InvalidParams, `\`${newName}\` is not a valid name`);
  if (def.kind === 'block' && lookupLayer(newName))
    return new ResponseError(
      ErrorCodes.InvalidParams,
      `\`${newName}\` is a layer; blocks need another name`,
    );
  const changes: Record<string, TextEdit[]> = {};
  for (const occurrence of occurrencesOf(ctx, def)) {
    const location = locationOf(ctx, occurrence.span);
    (changes[location.uri] ??= []).push({ range: location.range, newText: newName });
  }
  return { changes };
}
