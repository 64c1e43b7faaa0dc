// Expands every model of the root file into a ModelGraph.
import type { ModelItem } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { GraphNode, ModelGraph } from '../ir/graph.js';
import { type BodyCtx, type ModelBuilder, NONE } from './context.js';
import type { Declarations } from './declarations.js';
import { expandBody, reportUnusedLets } from './expand-body.js';
import { Scope } from './scope.js';

/** Errors reported per model before its expansion stops. */
export const MAX_MODEL_ERRORS = 100;

export function expandModel(
  item: ModelItem,
  decls: Declarations,
  report: (d: Diagnostic) => void,
  expandedBlocks: Set<string>,
  sources: (file: string) => string | undefined,
): ModelGraph {
  const builder: ModelBuilder = {
    decls,
    nodes: [],
    report,
    callStack: [],
    expandedBlocks,
    callCounts: new Map(),
    sources,
    depth: 0,
    steps: 0,
  };
  const scope = new Scope(new Scope());
  const model = { inputs: [] as number[], outputs: [] as ModelGraph['outputs'] };
  const ctx: BodyCtx = { builder, scope, inNode: NONE, path: [], model };
  const hasInput = item.body.statements.some((s) => s.kind === 'Input');
  const hasOutput = item.body.statements.some((s) => s.kind === 'Output');
  let errors = 0;
  const counting = (d: Diagnostic): void => {
    if (errors >= MAX_MODEL_ERRORS) return;
    if (d.severity === 'error') errors++;
    report(d);
    // Past this many errors the model is not worth expanding further: stop (bounded work).
    if (errors === MAX_MODEL_ERRORS) {
      d.hints = [...d.hints, `cnnc stops expanding a model after ${MAX_MODEL_ERRORS} errors`];
      builder.halted = true;
    }
  };
  builder.report = counting;
  expandBody(item.body.statements, ctx, NONE);
  builder.report = report;
  reportUnusedLets(scope, report);
  // A broken layer leaves its input unread; warning about that would echo the error.
  if (errors === 0 && !builder.halted)
    reportUnusedInputs(builder.nodes, model.inputs, model.outputs, report);
  if (!hasInput)
    report(
      diagnostic('CNN2010', item.name.span, `model \`${item.name.name}\` has no input`, {
        hints: ['declare one at the top of the body: `input x: [channels, height, width]`'],
      }),
    );
  if (!hasOutput)
    report(
      diagnostic('CNN2011', item.name.span, `model \`${item.name.name}\` has no output`, {
        hints: ['name the final value at the end of the body: `output logits`'],
      }),
    );
  return {
    name: item.name.name,
    span: item.name.span,
    nodes: builder.nodes,
    inputs: model.inputs,
    outputs: model.outputs,
  };
}

/** Warns about inputs that no layer reads and no output names. */
function reportUnusedInputs(
  nodes: readonly GraphNode[],
  inputs: readonly number[],
  outputs: ModelGraph['outputs'],
  report: (d: Diagnostic) => void,
): void {
  // The values read by some layer or named by an output, in one pass (linear in the graph).
  const readIds = new Set<number>(outputs.map((o) => o.node));
  for (const node of nodes) for (const input of node.inputs) readIds.add(input);
  for (const id of inputs) {
    const read = readIds.has(id);
    if (read) continue;
    const input = nodes[id];
    report(
      diagnostic('CNN2026', input.span, `input \`${input.name}\` is never used`, {
        hints: [`start a chain from it (\`${input.name} -> …\`), or remove it`],
      }),
    );
  }
}
