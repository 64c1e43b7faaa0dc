// The outline: models and blocks with their `let`/`input` bindings, constants, imports and
// `train` sections.
import { type DocumentSymbol, SymbolKind } from 'vscode-languageserver/node';
import type { Body, Item, Statement } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { type LineIndex, positionAt } from '../diagnostics/line-index.js';
import type { ServerContext } from './context.js';
import { analysisOf } from './context.js';
import { documentUri } from './params.js';

function range(lines: LineIndex, span: Span) {
  return { start: positionAt(lines, span.start), end: positionAt(lines, span.end) };
}

function symbol(
  lines: LineIndex,
  name: string,
  detail: string,
  kind: SymbolKind,
  span: Span,
  nameSpan: Span,
  children: DocumentSymbol[] = [],
): DocumentSymbol {
  return {
    name: name || '?',
    detail,
    kind,
    range: range(lines, span),
    selectionRange: range(lines, nameSpan),
    children,
  };
}

function bindings(lines: LineIndex, body: Body): DocumentSymbol[] {
  const found: DocumentSymbol[] = [];
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if (statement.kind === 'Let' || statement.kind === 'Input')
        found.push(
          symbol(
            lines,
            statement.name.name,
            statement.kind === 'Let' ? 'let' : 'input',
            SymbolKind.Variable,
            statement.span,
            statement.name.span,
          ),
        );
      if (statement.kind === 'Output')
        found.push(
          symbol(
            lines,
            statement.name.name,
            'output',
            SymbolKind.Variable,
            statement.span,
            statement.name.span,
          ),
        );
      for (const key of ['body', 'then'] as const)
        if (key in statement) visit((statement as unknown as Record<string, Body>)[key].statements);
    }
  };
  visit(body.statements);
  return found;
}

function itemSymbol(lines: LineIndex, item: Item): DocumentSymbol | undefined {
  switch (item.kind) {
    case 'Model':
      return symbol(
        lines,
        item.name.name,
        'model',
        SymbolKind.Class,
        item.span,
        item.name.span,
        bindings(lines, item.body),
      );
    case 'Block': {
      const params = item.params.map((p) => p.name.name).join(', ');
      return symbol(
        lines,
        item.name.name,
        `block(${params})`,
        SymbolKind.Function,
        item.span,
        item.name.span,
        bindings(lines, item.body),
      );
    }
    case 'Const':
      return symbol(lines, item.name.name, 'const', SymbolKind.Constant, item.span, item.name.span);
    case 'Train':
      return symbol(
        lines,
        `train ${item.model.name}`,
        'train',
        SymbolKind.Object,
        item.span,
        item.model.span,
      );
    case 'Import':
      return symbol(lines, item.path, 'import', SymbolKind.File, item.span, item.pathSpan);
    default:
      return undefined;
  }
}

/** `textDocument/documentSymbol`. */
export function documentSymbols(ctx: ServerContext, params: unknown): DocumentSymbol[] | null {
  const analysis = analysisOf(ctx, documentUri(params));
  if (!analysis) return null;
  return analysis.result.ast.items.flatMap((item) => itemSymbol(analysis.index, item) ?? []);
}
