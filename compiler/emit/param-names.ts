// PyTorch `state_dict` names for a model's parameters, from its structure: the model body is read
// as nested `nn.Sequential`s. Each layer and each block call, `residual`/`shortcut`/`branch` body
// or loop iteration that produced layers is numbered by order of appearance within its parent, and
// a tensor's name is the numbers on its path, then the tensor: `0.0.weight` is the weight of the
// first layer inside the first block call; `3.weight` the fourth statement's. See
// docs/generated-api.md. Nothing here depends on a target.
import type { GraphNode, PathStep } from '../ir/graph.js';
import type { Graph, OptNode } from '../ir/opt-graph.js';
import { layerParams } from '../layers/params.js';
import type { ParamEntry } from '../layers/types.js';

/** A tensor of the model, as the runtime's `ParamSpec` (declared with the layer specs). */
export type { ParamEntry };

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

/** The tensors of `node` (empty for layers without parameters), in PyTorch's order: its spec's rule. */
export function paramsOf(graph: Graph, node: GraphNode, prefix: string): ParamEntry[] {
  return layerParams(node, inputOf(graph, node), prefix);
}
