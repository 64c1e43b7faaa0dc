// The one typed IR after the AST: a model as a graph of layer nodes. Expansion produces it (with
// per-sample shapes already inferred, since `in.channels` and `if` conditions need them), and
// every later pass is `Graph => Graph`.
import type { Span } from '../diagnostics/diagnostic.js';
import type { Value } from './value.js';
import type { OpName } from '../layers/registry.js';
import type { WindowGeometry } from './geometry.js';

export type NodeId = number;

/** A per-sample shape in NCHW order without N, e.g. `[64, 56, 56]`. */
export type Shape = readonly number[];

/** Where a node came from: the chain of block calls and bodies that produced it. */
export interface PathStep {
  /** e.g. `Basic`, `residual`, `shortcut`, `branch`, `dense`, `repeat`. */
  kind: 'block' | 'residual' | 'shortcut' | 'branch' | 'dense' | 'repeat' | 'for' | 'if';
  /** The block name for `block`, otherwise the construct's keyword. */
  name: string;
  /** Position among siblings (the n-th call in its body, or the iteration index). */
  index: number;
  span: Span;
}

/** Static costs of one node, per sample. */
export interface NodeCost {
  /** Trainable parameters (PyTorch's `requires_grad` tensors). */
  params: number;
  /** Non-trainable buffers, such as BatchNorm running statistics. */
  buffers: number;
  /** Multiply-accumulates of the forward pass, per sample. */
  macs: number;
}

/**
 * One layer application.
 *
 * Invariant: `inputs` name nodes that come earlier in `ModelGraph.nodes` (the list is in
 * topological order), and `args` holds every argument of the layer's schema, defaults filled in.
 */
export interface GraphNode {
  id: NodeId;
  /** The canonical layer name (`fc` is stored as `linear`), or `input`: a closed union. */
  op: OpName;
  inputs: NodeId[];
  args: Record<string, Value>;
  /** The layer call in the source; a fused node keeps its main op's span. */
  span: Span;
  path: PathStep[];
  /** The name of an `input` node. */
  name?: string;
  /**
   * The first `let` name bound to this node's value, if any (`let skip = …` → `skip`): generated
   * code may call the value so where the name is unique (compiler/emit/names.ts validates it).
   */
  sourceName?: string;
  /** Per-sample output shape; absent when it could not be inferred (an error was reported). */
  shape?: Shape;
  cost?: NodeCost;
  /** The window of a windowed layer (convolutions, pools), resolved once when its shape is inferred. */
  geometry?: WindowGeometry;
}

export interface ModelOutput {
  name: string;
  node: NodeId;
  span: Span;
}

export interface ModelGraph {
  name: string;
  span: Span;
  nodes: GraphNode[];
  inputs: NodeId[];
  outputs: ModelOutput[];
}

/** A training configuration after evaluation: each key's value as written, with its span. */
export interface TrainConfig {
  model: string;
  span: Span;
  entries: Record<string, Value>;
}

/** Everything one compilation produces. */
export interface Program {
  models: ModelGraph[];
  train: TrainConfig[];
}
