// What the compiler knows about a layer: its arguments (checked during expansion) and its shape
// rule (run during expansion, since `in.channels` and `if` conditions need shapes). One file per
// family of layers in this folder; ./registry.ts lists them all.
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { GraphNode, NodeCost, Shape } from '../ir/graph.js';

export type ArgType =
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'float'; min?: number; max?: number; maxExclusive?: boolean; minExclusive?: boolean }
  | { kind: 'bool' }
  /** An int, or a tuple of ints (one per spatial dimension), each at least `min`. */
  | { kind: 'spatial'; min: number }
  /**
   * Padding: an int or tuple (symmetric per dimension), a list of explicit sides
   * `[top, bottom, left, right]` (two per dimension), or, when `modes` is set, `valid`, `same`
   * or `full`.
   */
  | { kind: 'pad'; modes: boolean }
  | { kind: 'enum'; values: readonly string[] }
  /** A number, or a non-empty list of numbers (one per channel), each above `min` if set. */
  | { kind: 'numbers'; min?: number; minExclusive?: boolean }
  /** The first alternative that accepts the value wins; errors are reported for the last. */
  | { kind: 'oneOf'; types: readonly ArgType[] };

/** A default as written in the schema; ints and floats take the kind of the argument's type. */
export type DefaultSpec = number | boolean | { symbol: string } | { sameAs: string };

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Absent: the argument is required (unless `optional`). */
  default?: DefaultSpec;
  /** An argument that may be left out and has no default (e.g. `adaptive`). */
  optional?: boolean;
  /** Required unless this other argument is given (`kernel` unless `adaptive`). */
  requiredUnless?: string;
  /** Required when this other argument is given (`normalize`'s `mean` and `std` go together). */
  requiredWith?: string;
  doc: string;
}

export interface InferContext {
  /** The node, with every argument resolved and defaults filled in. */
  node: GraphNode;
  /** The producers of the node's inputs, in order; each has a known `shape`. */
  inputs: readonly GraphNode[];
  report: (diagnostic: Diagnostic) => void;
  /** The text of `node.span.file`, when known; fixes use it to match the line's indentation. */
  sourceText?: string;
}

export interface Inferred {
  shape: Shape;
  cost: NodeCost;
}

/** Computes a node's output shape and cost, or reports why it has none and returns undefined. */
export type InferRule = (ctx: InferContext) => Inferred | undefined;

export interface LayerSpec {
  name: string;
  aliases?: readonly string[];
  /** One line for hovers and completion. */
  doc: string;
  args: readonly ArgSpec[];
  /** `many` for the joins `add` and `concat`, whose operands are named values. */
  inputs: 'one' | 'many';
  infer?: InferRule;
}
