// The exported module's structure: the model body as the tree of nested `nn.Sequential`s that
// cnnc's parameter names describe (compiler/emit/param-names.ts). Each non-input node sits at the
// position its `state_dict` prefix gives it (`1.0.3` is the fourth child of the first child of
// the model's second child); each inner position is a block call, a `residual`/`shortcut`/
// `branch`/`dense` body, or a loop iteration or `if` that produced layers.
import type { GraphNode, ModelGraph, NodeId, PathStep } from '../../ir/graph.js';
import { layerPrefixes } from '../../emit/param-names.js';

/** A layer at its position. */
export interface LeafItem {
  kind: 'leaf';
  index: number;
  node: GraphNode;
}

/** A nested `nn.Sequential`: the layers and containers one path step produced. */
export interface ContainerItem {
  kind: 'container';
  index: number;
  /** The construct; undefined for the model itself. */
  step: PathStep | undefined;
  children: TreeItem[];
  /** Every node inside, at any depth. */
  nodes: Set<NodeId>;
}

export type TreeItem = LeafItem | ContainerItem;

/** The model body as a tree whose child indices are the `state_dict` numbers. */
export function modelTree(model: ModelGraph): ContainerItem {
  const prefixes = layerPrefixes(model.nodes);
  const root: ContainerItem = {
    kind: 'container',
    index: 0,
    step: undefined,
    children: [],
    nodes: new Set(),
  };
  for (const node of model.nodes) {
    const prefix = prefixes.get(node.id);
    if (prefix === undefined) continue;
    const parts = prefix.split('.').map(Number);
    let current = root;
    current.nodes.add(node.id);
    parts.slice(0, -1).forEach((index, depth) => {
      let child = current.children.find(
        (item): item is ContainerItem => item.kind === 'container' && item.index === index,
      );
      if (!child) {
        child = {
          kind: 'container',
          index,
          step: node.path[depth],
          children: [],
          nodes: new Set(),
        };
        current.children.push(child);
      }
      child.nodes.add(node.id);
      current = child;
    });
    current.children.push({ kind: 'leaf', index: parts[parts.length - 1], node });
  }
  sortChildren(root);
  return root;
}

function sortChildren(container: ContainerItem): void {
  container.children.sort((a, b) => a.index - b.index);
  for (const child of container.children) if (child.kind === 'container') sortChildren(child);
}

/** Reads of each node's value: by which nodes, and whether it is a model output. */
export interface DataFlow {
  readers: Map<NodeId, NodeId[]>;
  outputs: Set<NodeId>;
}

export function dataFlow(model: ModelGraph): DataFlow {
  const readers = new Map<NodeId, NodeId[]>();
  for (const node of model.nodes)
    for (const input of node.inputs) readers.set(input, [...(readers.get(input) ?? []), node.id]);
  return { readers, outputs: new Set(model.outputs.map((output) => output.node)) };
}

function nodesOf(item: TreeItem): Set<NodeId> {
  return item.kind === 'leaf' ? new Set([item.node.id]) : item.nodes;
}

/**
 * The values `item` reads from outside itself, in order of first use. A layer's own inputs keep
 * their order and repeats (`add(a, a)`), since they are its call's arguments.
 */
export function itemInputs(item: TreeItem, byId: Map<NodeId, GraphNode>): NodeId[] {
  if (item.kind === 'leaf') return [...item.node.inputs];
  const inputs: NodeId[] = [];
  for (const id of [...item.nodes].sort((a, b) => a - b))
    for (const input of byId.get(id)?.inputs ?? [])
      if (!item.nodes.has(input) && !inputs.includes(input)) inputs.push(input);
  return inputs;
}

/** The values of `item` read outside it (or model outputs), by node id. */
export function itemOutputs(item: TreeItem, flow: DataFlow): NodeId[] {
  const inside = nodesOf(item);
  return [...inside]
    .filter(
      (id) =>
        flow.outputs.has(id) || (flow.readers.get(id) ?? []).some((reader) => !inside.has(reader)),
    )
    .sort((a, b) => a - b);
}
