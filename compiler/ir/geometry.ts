// The window geometry of a layer node (kernel, stride, dilation, padding per side), read with the
// same helpers as the shape rules (compiler/shapes/), for passes and targets that need numbers.
import type { GraphNode, Shape } from './graph.js';
import { padForDim, type DimPadding } from '../shapes/conv-arithmetic.js';
import { spatialArg, windowArgs } from '../shapes/read-args.js';
import type { InferContext } from '../layers/types.js';
import { defaultNumber } from '../layers/args.js';

/** Numbers of one windowed layer, one entry per spatial dimension (outermost first). */
export interface WindowGeometry {
  kernel: number[];
  stride: number[];
  dilation: number[];
  pads: DimPadding[];
}

function contextFor(node: GraphNode, input: GraphNode | undefined): InferContext {
  return { node, inputs: input ? [input] : [], report: () => undefined };
}

/**
 * The geometry of `node` applied to `input` (whose shape is `[channels, …spatial]`), or undefined
 * when its arguments do not fit (the shape rules have reported that already).
 */
export function windowGeometry(node: GraphNode, input: GraphNode): WindowGeometry | undefined {
  return node.geometry ?? resolveGeometry(node, input);
}

/** Reads the geometry from the node's arguments (expansion stores the result on the node). */
export function resolveGeometry(node: GraphNode, input: GraphNode): WindowGeometry | undefined {
  const inShape: Shape = input.shape ?? [];
  const spatial = inShape.slice(1);
  const args = windowArgs(contextFor(node, input), spatial.length);
  if (!args) return undefined;
  return {
    kernel: [...args.kernel],
    stride: [...args.stride],
    dilation: [...args.dilation],
    pads: spatial.map((size, idx) => padForDim(args, idx, size)),
  };
}

/** `output_pad` of a transposed convolution, per spatial dimension. */
export function outputPadding(node: GraphNode, count: number): number[] {
  const fallback = defaultNumber(node, 'output_pad');
  return (
    spatialArg(contextFor(node, undefined), 'output_pad', count, fallback) ??
    Array(count).fill(fallback)
  );
}

/** The product of a list of sizes. */
export function sizeOf(shape: Shape): number {
  return shape.reduce((acc, dim) => acc * dim, 1);
}
