// PyTorch `state_dict` names for a model's parameters, from its structure: the model body is read
// as nested `nn.Sequential`s. Each layer and each block call, `residual`/`shortcut`/`branch` body
// or loop iteration that produced layers is numbered by order of appearance within its parent, and
// a tensor's name is the numbers on its path, then the tensor: `0.0.weight` is the weight of the
// first layer inside the first block call; `3.weight` the fourth statement's. See
// docs/generated-api.md. Nothing here depends on a target.
import type { GraphNode, PathStep } from '../ir/graph.js';
import { boolArg, numberArg } from '../shapes/read-args.js';
import type { Graph, OptNode } from '../passes/graph.js';
import { outputPadding, sizeOf, windowGeometry } from '../passes/geometry.js';
import { normalizeValues } from '../layers/normalize-rules.js';

/** A tensor of the model, as the runtime's `ParamSpec`. */
export interface ParamEntry {
  name: string;
  shape: number[];
  role: 'weight' | 'bias' | 'gamma' | 'beta' | 'running_mean' | 'running_var' | 'mean' | 'std';
  bias?: string;
  /** A buffer's fixed initial values (`normalize(mean=…, std=…)`), one per channel. */
  values?: number[];
}

function stepKey(step: PathStep): string {
  return `${step.kind}:${step.name}:${step.index}:${step.span.start}`;
}

/** The `state_dict` prefix of every non-input node, by node id. */
export function layerPrefixes(nodes: readonly GraphNode[]): Map<number, string> {
  const counters = new Map<string, Map<string, number>>();
  const numberIn = (parent: string, child: string): number => {
    const children = counters.get(parent) ?? new Map<string, number>();
    counters.set(parent, children);
    if (!children.has(child)) children.set(child, children.size);
    return children.get(child) as number;
  };
  const prefixes = new Map<number, string>();
  for (const node of nodes) {
    if (node.op === 'input') continue;
    const parts: number[] = [];
    let parent = '';
    for (const step of node.path) {
      const key = stepKey(step);
      parts.push(numberIn(parent, key));
      parent = `${parent}/${key}`;
    }
    parts.push(numberIn(parent, `#${node.id}`));
    prefixes.set(node.id, parts.join('.'));
  }
  return prefixes;
}

function inputOf(graph: Graph, node: GraphNode): OptNode | undefined {
  return graph.nodes.find((other) => other.id === node.inputs[0]);
}

function weightAndBias(prefix: string, shape: number[], bias: boolean, out: number): ParamEntry[] {
  const weight: ParamEntry = { name: `${prefix}.weight`, shape, role: 'weight' };
  if (!bias) return [weight];
  return [
    { ...weight, bias: `${prefix}.bias` },
    { name: `${prefix}.bias`, shape: [out], role: 'bias' },
  ];
}

/** The tensors of `node` (empty for layers without parameters), in PyTorch's order. */
export function paramsOf(graph: Graph, node: GraphNode, prefix: string): ParamEntry[] {
  const input = inputOf(graph, node);
  const inShape = input?.shape ?? [];
  const outShape = node.shape ?? [];
  const bias = boolArg(node, 'bias', true);
  const kernel = input ? (windowGeometry(node, input)?.kernel ?? []) : [];
  const inChannels = inShape[0];
  const out = outShape[0];
  switch (node.op) {
    case 'conv':
    case 'conv1d':
    case 'conv3d': {
      const groups = numberArg(node, 'groups', 1);
      return weightAndBias(prefix, [out, inChannels / groups, ...kernel], bias, out);
    }
    case 'depthwise':
      return weightAndBias(prefix, [out, 1, ...kernel], bias, out);
    case 'separable':
      return [
        { name: `${prefix}.depthwise.weight`, shape: [inChannels, 1, ...kernel], role: 'weight' },
        ...weightAndBias(
          `${prefix}.pointwise`,
          [out, inChannels, ...kernel.map(() => 1)],
          bias,
          out,
        ),
      ];
    case 'convtranspose': {
      const groups = numberArg(node, 'groups', 1);
      outputPadding(node, kernel.length);
      return weightAndBias(prefix, [inChannels, out / groups, ...kernel], bias, out);
    }
    case 'linear':
      return weightAndBias(prefix, [out, sizeOf(inShape)], bias, out);
    case 'batchnorm':
      return batchnormParams(prefix, out, boolArg(node, 'affine', true));
    case 'normalize':
      return normalizeParams(node, prefix, out);
    default:
      return [];
  }
}

function batchnormParams(prefix: string, channels: number, affine: boolean): ParamEntry[] {
  const affineParams: ParamEntry[] = affine
    ? [
        { name: `${prefix}.weight`, shape: [channels], role: 'gamma' },
        { name: `${prefix}.bias`, shape: [channels], role: 'beta' },
      ]
    : [];
  return [
    ...affineParams,
    { name: `${prefix}.running_mean`, shape: [channels], role: 'running_mean' },
    { name: `${prefix}.running_var`, shape: [channels], role: 'running_var' },
  ];
}

/** `normalize`'s buffers `mean` and `std`, with their values when the source gives them. */
function normalizeParams(node: GraphNode, prefix: string, channels: number): ParamEntry[] {
  return (['mean', 'std'] as const).map((role) => {
    const values = normalizeValues(node, role, channels);
    return { name: `${prefix}.${role}`, shape: [channels], role, ...(values ? { values } : {}) };
  });
}
