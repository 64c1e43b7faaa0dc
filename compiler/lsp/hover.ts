// Hovers. On a layer call: its doc line, input → output shapes, the output-size arithmetic with
// the actual numbers, parameters and MACs. On a block call or definition: the signature, the doc
// comment above the block, and what its calls expand to. On a constant, parameter, binding or
// argument name: what it is and its value, default or documentation.
import type { Hover } from 'vscode-languageserver/node';
import type { BlockItem, FileAst } from '../../grammar/ast.js';
import { lookupLayer } from '../layers/registry.js';
import { showValue } from '../ir/value.js';
import { formatCount, formatShape } from '../shapes/format.js';
import { type Analysis, expansionsOf } from './analysis.js';
import { analysisOf, type ServerContext } from './context.js';
import { type Expansion, formatMagnitude, inputsOf, totalCost } from './graph-lookup.js';
import { arithmeticLines } from './hover-arithmetic.js';
import { locationOf, occurrenceUnderCursor } from './navigation.js';
import { documentUri } from './params.js';
import { blockSignature, docComment, layerSignature } from './signatures.js';
import type { Occurrence } from './symbol-index.js';
import { workspaceFile } from './workspace.js';

function expansionsStartingAt(analysis: Analysis, start: number): Expansion[] {
  for (const [key, expansions] of expansionsOf(analysis))
    if (key.startsWith(`${analysis.file}:${start}:`)) return expansions;
  return [];
}

function costLine(expansion: Expansion): string {
  const cost = totalCost(expansion.nodes);
  const buffers = cost.buffers > 0 ? ` (+ ${formatCount(cost.buffers)} buffers)` : '';
  return `params ${formatCount(cost.params)}${buffers} · MACs ${formatMagnitude(cost.macs)} (${formatCount(cost.macs)})`;
}

function shapesLine(expansion: Expansion): string {
  const first = expansion.nodes[0];
  const inputs = inputsOf(expansion.model, first).map((n) =>
    n.shape ? formatShape(n.shape) : '?',
  );
  const output = expansion.output.shape
    ? formatShape(expansion.output.shape)
    : '(unknown: see the error)';
  return `${inputs.join(' + ') || '—'} → ${output}`;
}

function othersLine(expansions: Expansion[]): string[] {
  if (expansions.length < 2) return [];
  const outputs = [
    ...new Set(expansions.map((e) => (e.output.shape ? formatShape(e.output.shape) : '?'))),
  ];
  return [
    ``,
    `_${expansions.length} expansions (one per call of the enclosing block); outputs: ${outputs.join(', ')}; the first is shown._`,
  ];
}

function layerHover(analysis: Analysis, occurrence: Occurrence): string[] {
  const spec = lookupLayer(occurrence.name);
  if (!spec) return [];
  const lines = ['```cnn', layerSignature(spec), '```', spec.doc];
  const expansions = expansionsStartingAt(analysis, occurrence.span.start);
  const first = expansions[0];
  if (!first) return lines;
  const node = first.output;
  const input = inputsOf(first.model, node)[0];
  lines.push('', `**${shapesLine(first)}**`);
  const arithmetic = arithmeticLines(node, input);
  if (arithmetic.length > 0) lines.push('', '```text', ...arithmetic, '```');
  if (node.shape) lines.push('', costLine(first));
  lines.push(...othersLine(expansions));
  return lines;
}

function findBlock(
  ctx: ServerContext,
  occurrence: Occurrence,
): { block: BlockItem; ast: FileAst } | undefined {
  const def = occurrence.def;
  if (!def) return undefined;
  const ast = workspaceFile(ctx, def.nameSpan.file)?.ast;
  const block = ast?.items.find(
    (item): item is BlockItem =>
      item.kind === 'Block' && item.name.span.start === def.nameSpan.start,
  );
  return block && ast ? { block, ast } : undefined;
}

function blockHover(ctx: ServerContext, analysis: Analysis, occurrence: Occurrence): string[] {
  const found = findBlock(ctx, occurrence);
  if (!found) return [];
  const text = workspaceFile(ctx, found.ast.file)?.text ?? '';
  const lines = ['```cnn', blockSignature(found.block), '```'];
  const doc = docComment(found.ast, text, found.block.span.start);
  if (doc) lines.push(doc);
  const expansions = occurrence.isDefinition
    ? [...expansionsOf(analysis).values()].flat().filter((e) => e.block === occurrence.name)
    : expansionsStartingAt(analysis, occurrence.span.start).filter(
        (e) => e.block === occurrence.name,
      );
  if (expansions[0]) {
    lines.push(
      '',
      `**${shapesLine(expansions[0])}**`,
      '',
      costLine(expansions[0]),
      ...othersLine(expansions),
    );
  }
  if (found.ast.file !== analysis.file)
    lines.push('', `_defined in ${locationOf(ctx, found.block.name.span).uri}_`);
  return lines;
}

function valueHover(analysis: Analysis, occurrence: Occurrence): string[] {
  const def = occurrence.def;
  switch (occurrence.kind) {
    case 'const': {
      const value = analysis.result.declarations?.consts.get(occurrence.name)?.value;
      return ['```cnn', `const ${occurrence.name}${value ? ` = ${showValue(value)}` : ''}`, '```'];
    }
    case 'param':
    case 'loop':
    case 'let':
    case 'input': {
      const what = {
        param: 'block parameter',
        loop: 'loop variable',
        let: 'binding',
        input: 'model input',
      }[occurrence.kind];
      const declared = def
        ? analysis.text.slice(def.span.start, def.span.end).split('\n')[0]
        : occurrence.name;
      return ['```cnn', declared, '```', what];
    }
    case 'argument': {
      const arg = lookupLayer(occurrence.callee ?? '')?.args.find(
        (a) => a.name === occurrence.name,
      );
      return arg ? [`\`${occurrence.callee}\` argument **${arg.name}**: ${arg.doc}`] : [];
    }
    default:
      return [];
  }
}

/** `textDocument/hover`. */
export function hover(ctx: ServerContext, params: unknown): Hover | null {
  const analysis = analysisOf(ctx, documentUri(params));
  const occurrence = analysis && occurrenceUnderCursor(ctx, params);
  if (!analysis || !occurrence) return null;
  const lines =
    occurrence.kind === 'layer'
      ? layerHover(analysis, occurrence)
      : occurrence.kind === 'block'
        ? blockHover(ctx, analysis, occurrence)
        : valueHover(analysis, occurrence);
  if (lines.length === 0) return null;
  return {
    contents: { kind: 'markdown', value: lines.join('\n') },
    range: locationOf(ctx, occurrence.span).range,
  };
}
