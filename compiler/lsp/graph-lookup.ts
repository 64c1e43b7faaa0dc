// Maps source spans to what expansion made of them. A layer call inside a block body becomes one
// graph node per call of the block, and a block call becomes the group of nodes it expanded to;
// each of these is an `Expansion`. Inlay hints and hovers show the expansions of a span.
import type { Span } from '../diagnostics/diagnostic.js';
import type { GraphNode, ModelGraph, NodeCost } from '../ir/graph.js';

/** What one occurrence of a span in one expanded model became. */
export interface Expansion {
  model: ModelGraph;
  /** The nodes in topological order; a layer call has one. */
  nodes: GraphNode[];
  /** The node whose output is the span's output (the last one). */
  output: GraphNode;
  /** The block a block call expanded, if this is one. */
  block?: string;
}

/** The key of a span in `ExpansionIndex`. */
export function spanKey(span: Span): string {
  return `${span.file}:${span.start}:${span.end}`;
}

/** Expansions by span key, in model and node order. */
export type ExpansionIndex = Map<string, Expansion[]>;

/** Indexes every node of `models` under its own span and under each block call on its path. */
export function indexExpansions(models: readonly ModelGraph[]): ExpansionIndex {
  const index: ExpansionIndex = new Map();
  for (const model of models) {
    const groups = new Map<string, Expansion>();
    const place = (key: string, span: Span, node: GraphNode, block?: string): void => {
      const group = groups.get(key);
      if (group) {
        group.nodes.push(node);
        group.output = node;
        return;
      }
      const expansion: Expansion = { model, nodes: [node], output: node, block };
      groups.set(key, expansion);
      const list = index.get(spanKey(span)) ?? [];
      list.push(expansion);
      index.set(spanKey(span), list);
    };
    for (const node of model.nodes) {
      let prefix = '';
      for (const step of node.path) {
        prefix += `/${step.kind}:${step.index}:${spanKey(step.span)}`;
        if (step.kind === 'block') place(prefix, step.span, node, step.name);
      }
      place(`${prefix}#${node.id}`, node.span, node);
    }
  }
  return index;
}

/** The summed cost of some nodes. */
export function totalCost(nodes: readonly GraphNode[]): NodeCost {
  const total = { params: 0, buffers: 0, macs: 0 };
  for (const node of nodes) {
    total.params += node.cost?.params ?? 0;
    total.buffers += node.cost?.buffers ?? 0;
    total.macs += node.cost?.macs ?? 0;
  }
  return total;
}

/** The producers of a node's inputs. */
export function inputsOf(model: ModelGraph, node: GraphNode): GraphNode[] {
  return node.inputs.flatMap((id) => model.nodes.find((n) => n.id === id) ?? []);
}

/** `1.8 G`, `74.0 K`, `512`: a count with an SI suffix, for hints. */
export function formatMagnitude(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, suffix] of units)
    if (Math.abs(value) >= size)
      return `${(value / size).toFixed(value / size >= 100 ? 0 : 1)} ${suffix}`;
  return String(value);
}
