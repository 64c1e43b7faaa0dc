// Inlay hints: the output shape after each layer line (`→ [64, 56, 56]`), and the parameters and
// MACs at the end of each block and model. A line inside a block body may stand for several
// nodes (one per call of the block); it shows each distinct shape, and the tooltip lists them all.
import { type InlayHint, InlayHintKind } from 'vscode-languageserver/node';
import type { Body, Statement } from '../../grammar/ast.js';
import {
  type LineIndex,
  lineContentEnd,
  lineOf,
  lineStart,
  positionAt,
} from '../diagnostics/line-index.js';
import { formatCount, formatShape } from '../shapes/format.js';
import { type Analysis, expansionsOf } from './analysis.js';
import { analysisOf, type ServerContext } from './context.js';
import { type Expansion, formatMagnitude, totalCost } from './graph-lookup.js';
import { documentUri, field, readRange } from './params.js';
import { offsetAt } from '../diagnostics/line-index.js';

const MAX_SHAPES = 3;

/** Where each `residual`/`concat`/`dense` keyword's statement ends (its join's hint goes there). */
function joinEnds(bodies: readonly Body[]): Map<number, number> {
  const ends = new Map<number, number>();
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if ('keywordSpan' in statement) ends.set(statement.keywordSpan.start, statement.span.end);
      for (const value of Object.values(statement))
        if (value && typeof value === 'object' && 'statements' in value)
          visit((value as Body).statements);
      if (statement.kind === 'Residual' && statement.shortcut)
        visit(statement.shortcut.body.statements);
      if (statement.kind === 'Branches')
        for (const b of statement.branches) visit(b.body.statements);
    }
  };
  for (const body of bodies) visit(body.statements);
  return ends;
}

/** The end of the code on `line`: before a trailing comment and trailing spaces. */
function codeEnd(analysis: Analysis, line: number): number {
  const start = lineStart(analysis.index, line);
  let end = lineContentEnd(analysis.index, line);
  for (const comment of analysis.result.ast.comments)
    if (comment.span.start >= start && comment.span.start < end) end = comment.span.start;
  while (end > start && /\s/.test(analysis.text[end - 1])) end--;
  return end;
}

function shapeHint(
  analysis: Analysis,
  offset: number,
  expansions: Expansion[],
): InlayHint | undefined {
  const shapes = expansions.flatMap((e) => (e.output.shape ? [formatShape(e.output.shape)] : []));
  const distinct = [...new Set(shapes)];
  if (distinct.length === 0) return undefined;
  const shown =
    distinct.slice(0, MAX_SHAPES).join(' | ') + (distinct.length > MAX_SHAPES ? ' | …' : '');
  const tooltip =
    expansions.length > 1 ? `${expansions.length} expansions:\n${shapes.join('\n')}` : undefined;
  return {
    position: positionAt(analysis.index, offset),
    label: `→ ${shown}`,
    kind: InlayHintKind.Type,
    paddingLeft: true,
    ...(tooltip ? { tooltip } : {}),
  };
}

function shapeHints(analysis: Analysis): InlayHint[] {
  const ast = analysis.result.ast;
  const bodies = ast.items.flatMap((item) =>
    item.kind === 'Block' || item.kind === 'Model' ? [item.body] : [],
  );
  const ends = joinEnds(bodies);
  const lastOnLine = new Map<number, { end: number; at: number; expansions: Expansion[] }>();
  for (const [key, expansions] of expansionsOf(analysis)) {
    const [file, startText, endText] = splitKey(key);
    if (file !== analysis.file || expansions.every((e) => e.output.op === 'input')) continue;
    const end = ends.get(Number(startText)) ?? Number(endText);
    const line = lineOf(analysis.index, end);
    const previous = lastOnLine.get(line);
    if (previous && previous.end >= end) continue;
    const at = ends.has(Number(startText)) ? end : codeEnd(analysis, line);
    lastOnLine.set(line, { end, at, expansions });
  }
  return [...lastOnLine.values()].flatMap(
    (entry) => shapeHint(analysis, entry.at, entry.expansions) ?? [],
  );
}

function splitKey(key: string): [string, string, string] {
  const end = key.lastIndexOf(':');
  const start = key.lastIndexOf(':', end - 1);
  return [key.slice(0, start), key.slice(start + 1, end), key.slice(end + 1)];
}

function costLabel(params: number[], macs: number[]): string {
  const range = (values: number[], show: (n: number) => string): string => {
    const low = Math.min(...values);
    const high = Math.max(...values);
    return low === high ? show(low) : `${show(low)}–${show(high)}`;
  };
  return `${range(params, formatCount)} params · ${range(macs, formatMagnitude)} MACs`;
}

function costHints(analysis: Analysis): InlayHint[] {
  const hints: InlayHint[] = [];
  const all = [...expansionsOf(analysis).values()].flat();
  const endOf = (end: number): Omit<InlayHint, 'label'> => ({
    position: positionAt(analysis.index, end),
    kind: InlayHintKind.Parameter,
    paddingLeft: true,
  });
  for (const item of analysis.result.ast.items) {
    if (item.kind === 'Model') {
      const model = analysis.result.program.models.find((m) => m.name === item.name.name);
      if (!model) continue;
      const cost = totalCost(model.nodes);
      hints.push({
        ...endOf(item.span.end),
        label: `${item.name.name}: ${costLabel([cost.params], [cost.macs])}`,
      });
    }
    if (item.kind === 'Block') {
      const calls = all.filter((e) => e.block === item.name.name);
      if (calls.length === 0) continue;
      const costs = calls.map((call) => totalCost(call.nodes));
      const count = calls.length === 1 ? '1 call' : `${calls.length} calls`;
      hints.push({
        ...endOf(item.span.end),
        label: `${item.name.name}: ${costLabel(
          costs.map((c) => c.params),
          costs.map((c) => c.macs),
        )} (${count})`,
      });
    }
  }
  return hints;
}

/** `textDocument/inlayHint`: the hints inside the requested range. */
export function inlayHints(ctx: ServerContext, params: unknown): InlayHint[] | null {
  const analysis = analysisOf(ctx, documentUri(params));
  if (!analysis) return null;
  const rangeParam = field(params, 'range');
  const range = rangeParam === undefined ? undefined : readRange(rangeParam);
  const within = (index: LineIndex, hint: InlayHint): boolean => {
    if (!range) return true;
    const offset = offsetAt(index, hint.position);
    return offset >= offsetAt(index, range.start) && offset <= offsetAt(index, range.end);
  };
  return [...shapeHints(analysis), ...costHints(analysis)]
    .filter((hint) => within(analysis.index, hint))
    .sort(
      (a, b) => a.position.line - b.position.line || a.position.character - b.position.character,
    );
}
