// The passes' view of the optimised IR: its types and helpers live in compiler/ir/opt-graph.ts
// (re-exported here for the importers that predate the move); what depends on the layer registry
// stays here.
import { layers } from '../layers/registry.js';

export * from '../ir/opt-graph.js';

/** Elementwise activations that fuse as epilogues: the layers with the `elementwise` trait. */
export const ELEMENTWISE_OPS: ReadonlySet<string> = new Set(
  layers.filter((spec) => spec.traits?.elementwise).map((spec) => spec.name),
);
