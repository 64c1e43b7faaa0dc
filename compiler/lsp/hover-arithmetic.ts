// The output-size arithmetic of a windowed layer with the actual numbers, for hovers:
// `height: ⌊(224 + 3 + 3 − 7) / 2⌋ + 1 = 112`. Uses the compiler's own arithmetic
// (compiler/shapes/conv-arithmetic.ts), so the hover and the shape checker cannot disagree.
import type { GraphNode } from '../ir/graph.js';
import {
  type DimInfo,
  computeConvInfo,
  computePoolInfo,
  padForDim,
  transposedOutputDim,
} from '../shapes/conv-arithmetic.js';
import { spatialNames } from '../shapes/format.js';
import { spatialArg, windowArgs } from '../shapes/read-args.js';
import { argBool, argSymbol, defaultNumber } from '../layers/args.js';
import type { InferContext } from '../layers/types.js';
import { lookupLayer } from '../layers/registry.js';

function padded(dim: DimInfo): string {
  const pads = [dim.padLo, dim.padHi]
    .filter((p) => p !== 0)
    .map((p) => ` + ${p}`)
    .join('');
  return `${dim.input}${pads} − ${dim.effectiveKernel}`;
}

function extentNote(dim: DimInfo): string {
  return dim.dilation === 1
    ? ''
    : ` (dilated kernel ${dim.dilation}·(${dim.kernel}−1)+1 = ${dim.effectiveKernel})`;
}

function convLine(name: string, dim: DimInfo): string {
  return `${name}: ⌊(${padded(dim)}) / ${dim.stride}⌋ + 1 = ${dim.output}${extentNote(dim)}`;
}

function poolLine(name: string, dim: DimInfo, ceil: boolean): string {
  if (!ceil) return convLine(name, dim);
  return `${name}: ⌈(${padded(dim)}) / ${dim.stride}⌉ + 1 = ${dim.output} (ceil mode, last window must start inside the input)`;
}

/**
 * One line per spatial dimension explaining the node's output size, or none for layers whose
 * output size is not windowed arithmetic (or whose input shape is unknown).
 */
export function arithmeticLines(node: GraphNode, input: GraphNode | undefined): string[] {
  const shape = input?.shape;
  if (!shape || shape.length < 2 || !node.shape) return [];
  const ctx: InferContext = { node, inputs: input ? [input] : [], report: () => undefined };
  const spatial = shape.slice(1);
  const names = spatialNames(spatial.length);
  if (lookupLayer(node.op)?.traits?.window === 'conv') {
    const args = windowArgs(ctx, spatial.length);
    return args ? computeConvInfo(spatial, args).map((dim, idx) => convLine(names[idx], dim)) : [];
  }
  if (lookupLayer(node.op)?.traits?.window === 'pool') {
    if (argSymbol(node, 'kernel') === 'global' || node.args.adaptive) return [];
    const args = windowArgs(ctx, spatial.length);
    const ceil = argBool(node, 'ceil');
    return args
      ? computePoolInfo(spatial, args, ceil).map((dim, idx) => poolLine(names[idx], dim, ceil))
      : [];
  }
  if (lookupLayer(node.op)?.traits?.window === 'transpose') {
    const args = windowArgs(ctx, spatial.length);
    const outputPad = spatialArg(
      ctx,
      'output_pad',
      spatial.length,
      defaultNumber(node, 'output_pad'),
    );
    if (!args || !outputPad) return [];
    return spatial.map((size, idx) => {
      const pad = padForDim(args, idx, size);
      const [k, s, d] = [args.kernel[idx], args.stride[idx], args.dilation[idx]];
      const out = transposedOutputDim(size, k, s, d, pad, outputPad[idx]);
      return `${names[idx]}: (${size} − 1)·${s} − ${pad.lo} − ${pad.hi} + ${d}·(${k} − 1) + ${outputPad[idx]} + 1 = ${out}`;
    });
  }
  return [];
}
