// Formatting with the formatter of `cnnc fmt`: one edit replacing the whole document, or none
// when it is already formatted or has syntax errors (which the diagnostics show).
import type { TextEdit } from 'vscode-languageserver/node';
import { formatSource } from '../format/format.js';
import { positionAt } from '../diagnostics/line-index.js';
import { analysisOf, type ServerContext } from './context.js';
import { documentUri } from './params.js';

/** `textDocument/formatting`. */
export function formatting(ctx: ServerContext, params: unknown): TextEdit[] | null {
  const analysis = analysisOf(ctx, documentUri(params));
  if (!analysis) return null;
  const formatted = formatSource(analysis.text, analysis.file);
  if (!formatted.ok || formatted.text === analysis.text) return [];
  const end = positionAt(analysis.index, analysis.text.length);
  return [{ range: { start: { line: 0, character: 0 }, end }, newText: formatted.text }];
}
