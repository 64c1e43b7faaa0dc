// The state shared while one model is expanded, and the helpers that add nodes to its graph.
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { CallElement } from '../../grammar/ast.js';
import type { GraphNode, NodeId, PathStep } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { lookupLayer, type LayerName } from '../layers/registry.js';
import { resolveGeometry } from '../ir/geometry.js';
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
/** Blocks calling blocks; real models nest 3 or 4 deep. Deeper chains are refused (CNN2029). */
export const MAX_CALL_DEPTH = 64;
/** Block calls and nested bodies together, as expanded (each level is a few stack frames). */
export const MAX_EXPANSION_DEPTH = 160;
/**
 * Statements and loop iterations expanded per model. Bounds the work, not only the layers:
 * `repeat 10000 { repeat 10000 { } }` creates no layer but would take 10^8 steps.
 */
export const MAX_STEPS = 1_000_000;

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
  /** Blocks and bodies being expanded now (see MAX_EXPANSION_DEPTH). */
  depth: number;
  /** Statements and loop iterations expanded so far (see MAX_STEPS). */
  steps: number;
  /** A limit was reached and reported: expansion stops everywhere (nothing more is built). */
  halted?: boolean;
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
  op: LayerName,
  inputs: NodeId[],
  args: Record<string, Value>,
  span: Span,
  name?: string,
): Current {
  const builder = ctx.builder;
  if (builder.halted) return BROKEN;
  if (builder.nodes.length >= MAX_NODES) {
    builder.halted = true;
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
      // The window is resolved once here; passes, targets and exporters read it from the node.
      const geometry = spec.traits?.window ? resolveGeometry(node, producers[0]) : undefined;
      if (geometry) node.geometry = geometry;
    }
  }
  return node.id;
}

/** Counts one step of expansion; reports and halts when the model takes too many (CNN2024). */
export function step(ctx: BodyCtx, span: Span): boolean {
  const builder = ctx.builder;
  if (builder.halted) return false;
  if (++builder.steps <= MAX_STEPS) return true;
  halt(
    ctx,
    diagnostic(
      'CNN2024',
      span,
      `the model takes more than ${MAX_STEPS.toLocaleString('en-US')} steps to expand`,
      { hints: ['check the counts of nested `repeat` and `for` loops'] },
    ),
  );
  return false;
}

/** Enters a nested body or block call; false (reported, halted) past MAX_EXPANSION_DEPTH. */
export function enter(ctx: BodyCtx, span: Span): boolean {
  const builder = ctx.builder;
  if (builder.halted) return false;
  if (builder.depth < MAX_EXPANSION_DEPTH) {
    builder.depth++;
    return true;
  }
  if (!builder.decls.tooDeepReported)
    halt(
      ctx,
      diagnostic(
        'CNN2029',
        span,
        `expansion nested too deeply: more than ${MAX_EXPANSION_DEPTH} levels of block calls and bodies`,
        {
          hints: [
            'flatten the nesting: call blocks one after another instead of inside each other',
          ],
        },
      ),
    );
  builder.halted = true;
  builder.decls.tooDeepReported = true;
  return false;
}

export function leave(ctx: BodyCtx): void {
  ctx.builder.depth--;
}

function halt(ctx: BodyCtx, d: Diagnostic): void {
  ctx.builder.halted = true;
  if (!ctx.builder.limitSpan) ctx.builder.limitSpan = d.span;
  ctx.builder.report(d);
}

/** CNN2029 at a call made inside MAX_CALL_DEPTH nested block calls. */
export function callDepthDiagnostic(call: CallElement): Diagnostic {
  return diagnostic(
    'CNN2029',
    call.callee.span,
    `block calls nested too deeply: \`${call.callee.name}\` is called inside ${MAX_CALL_DEPTH} nested block calls, the most cnnc expands`,
    { hints: ['call the blocks one after another instead of each from the previous one'] },
  );
}
