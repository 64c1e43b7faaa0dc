// The interface between the IR and a kernel backend. A target turns one optimised node into the
// kernel calls that compute it (descriptors are plain data), or says why it cannot. gpu.js is the
// first target (./gpujs-target.ts); a WebAssembly target will implement the same interface.
import type { KernelDescriptors, KernelFactory } from '../../contract/descriptors.js';
import type { Graph, OptNode } from '../ir/opt-graph.js';

/** Plain data for a kernel descriptor: numbers, strings, booleans, lists and records. */
export type Literal = number | string | boolean | null | readonly Literal[] | LiteralRecord;
export interface LiteralRecord {
  readonly [key: string]: Literal;
}

/** One kernel factory call: `factory(backend, descriptor)` in the runtime. */
export interface KernelCall {
  /** The runtime export that builds the layer kernel, e.g. `conv2d` (contract/descriptors.ts). */
  factory: KernelFactory;
  /** The factory's descriptor as plain data; {@link kernelCall} checks it against the contract. */
  descriptor: LiteralRecord;
  /** Parameter names passed after the value inputs, in order; `null` for an absent bias. */
  params: (string | null)[];
  /** False for factories that take no backend (inference `dropout`). */
  takesBackend?: boolean;
  /**
   * Values per sample of its result, for a call that is not its layer's last (separable's
   * depthwise half): the forward keeps that intermediate in a planned buffer.
   */
  values?: number;
}

/**
 * A kernel call whose descriptor is type-checked against the descriptor the runtime factory takes
 * (contract/descriptors.ts). Every target builds its calls through this function.
 */
export function kernelCall<F extends KernelFactory>(
  factory: F,
  descriptor: KernelDescriptors[F],
  params: (string | null)[] = [],
): KernelCall {
  // A descriptor is plain data (numbers, strings, booleans, lists and records of them).
  return { factory, descriptor: descriptor as unknown as LiteralRecord, params };
}

/**
 * How a node runs: `alias` when its value is its input's, reinterpreted (`flatten`); otherwise
 * calls run in order, the first on the node's inputs and each next one on the previous result.
 */
export type LayerPlan =
  | { kind: 'alias' }
  | { kind: 'kernels'; calls: KernelCall[] }
  | { kind: 'unsupported'; reason: string };

/** What a target sees of one node. */
export interface LayerContext {
  graph: Graph;
  node: OptNode;
  /** The producers of the node's inputs, in order. */
  inputs: OptNode[];
  /** The effective name of the node's parameter `local` (`weight`, `bias`, `pointwise.weight`…), or null. */
  param(local: string): string | null;
}

/** A kernel backend for generated modules. */
export interface Target {
  name: string;
  /** The module generated code imports the kernel factories from. */
  runtimeModule: string;
  planLayer(ctx: LayerContext): LayerPlan;
}
