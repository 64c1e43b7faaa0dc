// The optimised IR, the graph the passes rewrite: the checked `ModelGraph` of compiler/ir/graph.ts, whose nodes may
// carry what earlier passes decided (a fused epilogue, a folded BatchNorm, a lowering, a buffer).
// Every field added here is optional, so a fresh `ModelGraph` already is a `Graph`. Nothing here
// is specific to gpu.js: a target reads these decisions and picks its own kernels.
import type { GraphNode, ModelGraph, NodeId } from './graph.js';

/** An elementwise operation applied after a node's main op, e.g. `{ op: 'leaky_relu', alpha: 0.2 }`. */
export interface EpilogueStep {
  op: string;
  alpha?: number;
  /** The node it came from, for traces and `--explain-opt`. */
  from: NodeId;
}

/** A BatchNorm whose affine transform was folded into this node's weight and bias. */
export interface FoldedBatchNorm {
  /** The removed BatchNorm node (its parameters keep their names). */
  node: GraphNode;
  eps: number;
}

/** How a convolution is computed: a direct loop, unfold + GEMM, or a plain GEMM (1×1). */
export type Lowering = 'direct' | 'im2col' | 'gemm';

/**
 * A node with the decisions of the passes.
 *
 * Invariant: `epilogue` steps are elementwise and keep the node's shape; `folded` only appears on
 * convolutions (not transposed) and linear layers.
 */
export interface OptNode extends GraphNode {
  epilogue?: EpilogueStep[];
  folded?: FoldedBatchNorm;
  lowering?: Lowering;
  /** The buffer slot of the memory plan that holds this node's output. */
  buffer?: number;
}

/** The IR every pass maps to a new one: a model graph of {@link OptNode}s. */
export interface Graph extends Omit<ModelGraph, 'nodes'> {
  nodes: OptNode[];
  /** Set by the memory planner: bytes per sample at the peak, with and without reuse. */
  memory?: { peakBytes: number; naiveBytes: number; buffers: number };
}

/** The ids of the nodes that read each node's output, in node order. */
export function consumersOf(graph: Graph): Map<NodeId, NodeId[]> {
  const consumers = new Map<NodeId, NodeId[]>();
  for (const node of graph.nodes) consumers.set(node.id, []);
  for (const node of graph.nodes)
    for (const input of node.inputs) consumers.get(input)?.push(node.id);
  return consumers;
}

/** Whether a node's value is a model output. */
export function isOutput(graph: Graph, id: NodeId): boolean {
  return graph.outputs.some((output) => output.node === id);
}

/**
 * Removes node `removed`, whose only input is `replacement`'s value: readers of `removed` read
 * `replacement` instead, and an output naming `removed` names `replacement`.
 */
export function bypassNode(graph: Graph, removed: NodeId, replacement: NodeId): Graph {
  const swap = (id: NodeId): NodeId => (id === removed ? replacement : id);
  return {
    ...graph,
    nodes: graph.nodes
      .filter((node) => node.id !== removed)
      .map((node) =>
        node.inputs.includes(removed) ? { ...node, inputs: node.inputs.map(swap) } : node,
      ),
    outputs: graph.outputs.map((output) => ({ ...output, node: swap(output.node) })),
  };
}

/** Replaces the node with `node.id` by `node`. */
export function replaceNode(graph: Graph, node: OptNode): Graph {
  return { ...graph, nodes: graph.nodes.map((other) => (other.id === node.id ? node : other)) };
}

/** The `alpha` argument of an activation node, if it has one. */
export function alphaOf(node: GraphNode): number | undefined {
  const value = node.args.alpha;
  return value && (value.kind === 'int' || value.kind === 'float') ? value.value : undefined;
}

/** Bytes per sample of a node's output (float32). */
export function bytesOf(node: GraphNode): number {
  return 4 * (node.shape ?? []).reduce((acc, dim) => acc * dim, 1);
}
