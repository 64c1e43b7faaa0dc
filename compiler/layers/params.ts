// Parameter rules shared by several layers: PyTorch's names and layouts (`weight` then `bias`;
// BatchNorm's `weight`, `bias`, `running_mean`, `running_var`). See docs/generated-api.md.
import { boolArg } from '../shapes/read-args.js';
import type { GraphNode } from '../ir/graph.js';
import type { ParamContext, ParamEntry } from './types.js';

/** `prefix.weight` of `shape`, then `prefix.bias` of `[out]` when `bias` is set. */
export function weightAndBias(
  prefix: string,
  shape: number[],
  bias: boolean,
  out: number,
): ParamEntry[] {
  const weight: ParamEntry = { name: `${prefix}.weight`, shape, role: 'weight' };
  if (!bias) return [weight];
  return [
    { ...weight, bias: `${prefix}.bias` },
    { name: `${prefix}.bias`, shape: [out], role: 'bias' },
  ];
}

/** The `bias` argument of a node (every layer that has one defaults it to true). */
export function hasBias(node: GraphNode): boolean {
  return boolArg(node, 'bias', true);
}

/** The output channels of a node. */
export function outChannels(ctx: ParamContext): number {
  return (ctx.node.shape ?? [])[0];
}

/** Per-channel `weight` (γ) and `bias` (β) when `affine`, as BatchNorm and GroupNorm name them. */
export function affineParams(prefix: string, channels: number, affine: boolean): ParamEntry[] {
  return affine
    ? [
        { name: `${prefix}.weight`, shape: [channels], role: 'gamma' },
        { name: `${prefix}.bias`, shape: [channels], role: 'beta' },
      ]
    : [];
}
