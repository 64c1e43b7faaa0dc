// Parameter rules shared by several layers: PyTorch's names and layouts (`weight` then `bias`;
// BatchNorm's `weight`, `bias`, `running_mean`, `running_var`), and what is derived from a layer's
// list: its tensors for one node, and the counts `cnnc summary` reports. See
// docs/generated-api.md.
import { boolArg } from '../shapes/read-args.js';
import type { GraphNode } from '../ir/graph.js';
import { windowGeometry } from '../ir/geometry.js';
import { lookupLayer } from './registry.js';
import type { ParamContext, ParamEntry } from './types.js';

/**
 * The tensors of `node` (whose first input is `input`) as its spec's `params` lists them, named
 * under `prefix`; empty for layers without parameters.
 */
export function layerParams(
  node: GraphNode,
  input: GraphNode | undefined,
  prefix: string,
): ParamEntry[] {
  const rule = lookupLayer(node.op)?.params;
  if (!rule || rule === 'none') return [];
  const inShape = input?.shape ?? [];
  const kernel = input ? (windowGeometry(node, input)?.kernel ?? []) : [];
  return rule({ node, inShape, kernel, prefix });
}

/** Roles whose tensors are not trained: running statistics and `normalize`'s mean and std. */
const BUFFER_ROLES: ReadonlySet<ParamEntry['role']> = new Set([
  'running_mean',
  'running_var',
  'mean',
  'std',
]);

/** Trainable values and buffer values of a list of tensors (the counts of `cnnc summary`). */
export function paramCounts(entries: readonly ParamEntry[]): { params: number; buffers: number } {
  let params = 0;
  let buffers = 0;
  for (const entry of entries) {
    const size = entry.shape.reduce((acc, dim) => acc * dim, 1);
    if (BUFFER_ROLES.has(entry.role)) buffers += size;
    else params += size;
  }
  return { params, buffers };
}

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
