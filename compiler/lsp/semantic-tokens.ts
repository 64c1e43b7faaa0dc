// Semantic tokens: layers, blocks, parameters (block parameters and named arguments), bindings,
// constants and numbers, from the same name resolution as navigation (symbol-index.ts).
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver/node';
import { positionAt } from '../diagnostics/line-index.js';
import type { ServerContext } from './context.js';
import { documentUri } from './params.js';
import type { OccurrenceKind } from './symbol-index.js';
import { uriToFile } from './uri.js';
import { workspaceFile } from './workspace.js';

const TOKEN_TYPES = ['function', 'class', 'parameter', 'variable', 'number', 'type'] as const;
const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;

/** The legend announced in the server's capabilities. */
export const semanticTokensLegend: SemanticTokensLegend = {
  tokenTypes: [...TOKEN_TYPES],
  tokenModifiers: [...TOKEN_MODIFIERS],
};

type TokenType = (typeof TOKEN_TYPES)[number];
type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

const styles: Partial<Record<OccurrenceKind, [TokenType, TokenModifier[]]>> = {
  layer: ['function', ['defaultLibrary']],
  block: ['class', []],
  model: ['type', []],
  param: ['parameter', []],
  argument: ['parameter', []],
  loop: ['variable', ['readonly']],
  let: ['variable', []],
  input: ['variable', []],
  output: ['variable', []],
  const: ['variable', ['readonly']],
  number: ['number', []],
};

/** `textDocument/semanticTokens/full`: relative-encoded tokens, one per occurrence. */
export function semanticTokens(ctx: ServerContext, params: unknown): SemanticTokens {
  const uri = documentUri(params);
  const file = ctx.store.byUri.has(uri) ? workspaceFile(ctx, uriToFile(uri)) : undefined;
  if (!file) return { data: [] };
  const data: number[] = [];
  let previousLine = 0;
  let previousChar = 0;
  for (const occurrence of file.index.occurrences) {
    const style = styles[occurrence.kind];
    if (!style || occurrence.span.file !== file.file) continue;
    const start = positionAt(file.lines, occurrence.span.start);
    const end = positionAt(file.lines, occurrence.span.end);
    if (end.line !== start.line || end.character <= start.character) continue;
    const modifiers = [...style[1], ...(occurrence.isDefinition ? ['declaration' as const] : [])];
    const bits = modifiers.reduce((acc, m) => acc | (1 << TOKEN_MODIFIERS.indexOf(m)), 0);
    const deltaLine = start.line - previousLine;
    const deltaChar = deltaLine === 0 ? start.character - previousChar : start.character;
    data.push(
      deltaLine,
      deltaChar,
      end.character - start.character,
      TOKEN_TYPES.indexOf(style[0]),
      bits,
    );
    previousLine = start.line;
    previousChar = start.character;
  }
  return { data };
}
