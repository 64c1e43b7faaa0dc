// What a pass is: a named, pure rewrite `Graph => Graph` that also says what it did, so that
// `cnnc build --explain-opt` can list each change with its layer and what it saved.
import type { Span } from '../diagnostics/diagnostic.js';
import type { Graph } from '../ir/opt-graph.js';

/** How convolutions are lowered: the documented cost rule (`auto`) or one form for all. */
export type ConvChoice = 'auto' | 'im2col' | 'direct';

/** Options every pass may read. */
export interface PassOptions {
  conv: ConvChoice;
}

/** One change a pass made to one layer. */
export interface PassNote {
  pass: string;
  /** The layer the change is about (a fused node keeps its main op's span). */
  span: Span;
  message: string;
  /** Kernel launches saved per forward call (negative: added). */
  kernelsSaved: number;
  /** Bytes per sample of intermediate values no longer written. */
  bytesSaved: number;
}

/** What a pass returns: the new graph and its notes. */
export interface PassResult {
  graph: Graph;
  notes: PassNote[];
}

/** A named rewrite and the lowest `-O` level that runs it. */
export interface Pass {
  name: string;
  /** 1: safe at `-O1` and `-O2`; 2: only at `-O2`. */
  level: 1 | 2;
  description: string;
  run(graph: Graph, options: PassOptions): PassResult;
}

/** Builds a note of `pass` about the node with span `span`. */
export function note(
  pass: string,
  span: Span,
  message: string,
  kernelsSaved = 0,
  bytesSaved = 0,
): PassNote {
  return { pass, span, message, kernelsSaved, bytesSaved };
}
