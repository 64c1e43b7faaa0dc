// The state shared while one model is expanded, and the helpers that add nodes to its graph.
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { GraphNode, NodeId, PathStep } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { lookupLayer } from '../layers/registry.js';
import type { Declarations } from './declarations.js';
import type { EvalEnv } from './evaluate.js';
import type { Scope } from './scope.js';

/** The chain has no value yet (a model body before its first `input`). */
export const NONE = -1;
/** The chain's value could not be built; an error was reported, later steps stay silent. */
export const BROKEN = -2;
/** A node id, or NONE, or BROKEN. */
export type Current = NodeId;

/** Nodes a model may expand to; far beyond any real CNN (DenseNet-264 has about 2,000). */
export const MAX_NODES = 100_000;

export interface ModelBuilder {
  decls: Declarations;
  nodes: GraphNode[];
  report: (d: Diagnostic) => void;
  /** Names of the blocks being expanded, outermost first (for recursion checks). */
  callStack: string[];
  /** Source text by file, for rules that build fixes (inserting a line needs its indentation). */
  sources: (file: string) => string | undefined;
  /** Calls of each block so far under each parent path, for path indices. */
  callCounts: Map<string, number>;
  /** Blocks expanded at least once (the others get static checks only). */
  expandedBlocks: Set<string>;
  limitSpan?: Span;
}

export interface BodyCtx {
  builder: ModelBuilder;
  scope: Scope;
  /** The node `in` names here: a node id, NONE (model level) or BROKEN. */
  inNode: Current;
  path: PathStep[];
  /** Model-level bodies may declare inputs and outputs; block bodies may not. */
  model?: { inputs: NodeId[]; outputs: { name: string; node: NodeId; span: Span }[] };
}

export function isNode(current: Current): boolean {
  return current >= 0;
}

export function evalEnv(ctx: BodyCtx): EvalEnv {
  const inNode = isNode(ctx.inNode) ? ctx.builder.nodes[ctx.inNode] : undefined;
  return {
    decls: ctx.builder.decls,
    scope: ctx.scope,
    inNode,
    inBroken: ctx.inNode === BROKEN,
    report: ctx.builder.report,
  };
}

/** Adds a node and infers its shape when all its inputs have one. */
export function addNode(
  ctx: BodyCtx,
  op: string,
  inputs: NodeId[],
  args: Record<string, Value>,
  span: Span,
  name?: string,
): Current {
  const builder = ctx.builder;
  if (builder.nodes.length >= MAX_NODES) {
    if (!builder.limitSpan) {
      builder.limitSpan = span;
      builder.report(
        diagnostic(
          'CNN2024',
          span,
          `the model expands to more than ${MAX_NODES.toLocaleString('en-US')} layers`,
          {
            hints: ['check the counts of `repeat` and `for` loops'],
          },
        ),
      );
    }
    return BROKEN;
  }
  const node: GraphNode = { id: builder.nodes.length, op, inputs, args, span, path: [...ctx.path] };
  if (name !== undefined) node.name = name;
  builder.nodes.push(node);
  const producers = inputs.map((id) => builder.nodes[id]);
  const spec = lookupLayer(op);
  if (spec?.infer && producers.every((p) => p.shape !== undefined)) {
    const inferred = spec.infer({
      node,
      inputs: producers,
      report: builder.report,
      sourceText: builder.sources(span.file),
    });
    if (inferred) {
      node.shape = inferred.shape;
      node.cost = inferred.cost;
    }
  }
  return node.id;
}
