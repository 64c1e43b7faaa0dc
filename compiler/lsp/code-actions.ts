// Quick fixes: the fixes the compiler attached to its diagnostics (insert `flatten`, use the
// suggested name, set the padding that fits). They travel in each LSP diagnostic's `data.fixes`;
// when the editor does not send `data` back, the fixes of the current compilation whose
// diagnostics overlap the requested range are offered instead.
import { type CodeAction, CodeActionKind, type Diagnostic } from 'vscode-languageserver/node';
import type { LspDiagnostic, LspFix } from '../diagnostics/render-lsp.js';
import { toLspDiagnostics } from '../diagnostics/render-lsp.js';
import { analysisOf, type ServerContext, uriOf } from './context.js';
import { type Range, documentUri, field, readRange } from './params.js';

function fixesOf(diagnostic: unknown): LspFix[] {
  const data = (diagnostic as { data?: { fixes?: unknown } } | null)?.data;
  return Array.isArray(data?.fixes)
    ? (data.fixes as LspFix[]).filter(
        (f) => typeof f?.title === 'string' && typeof f.edit === 'object',
      )
    : [];
}

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function overlaps(a: Range, b: Range): boolean {
  return before(a.start, b.end) && before(b.start, a.end);
}

/** `textDocument/codeAction`. */
export function codeActions(ctx: ServerContext, params: unknown): CodeAction[] | null {
  const uri = documentUri(params);
  const range = readRange(field(params, 'range'));
  const context = field(params, 'context') as { diagnostics?: unknown } | undefined;
  const sent = Array.isArray(context?.diagnostics) ? (context.diagnostics as Diagnostic[]) : [];
  let pairs = sent.flatMap((d) => fixesOf(d).map((fix) => ({ fix, diagnostic: d })));
  if (pairs.length === 0) {
    const analysis = analysisOf(ctx, uri);
    if (!analysis) return null;
    const { result } = analysis;
    const current: LspDiagnostic[] = toLspDiagnostics(
      result.diagnostics.filter((d) => d.span.file === analysis.file),
      (file) => result.texts.get(file),
      { toUri: (file) => uriOf(ctx, file), docsBaseUrl: ctx.docsBaseUrl },
    );
    pairs = current
      .filter((d) => overlaps(d.range, range))
      .flatMap((d) => d.data.fixes.map((fix) => ({ fix, diagnostic: d as Diagnostic })));
  }
  return pairs.map(({ fix, diagnostic }) => ({
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: pairs.length === 1,
    edit: fix.edit,
  }));
}
