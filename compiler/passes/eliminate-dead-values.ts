// Dead-value elimination: drops layers whose value reaches no output, and layers that compute
// nothing at inference (`dropout`, `identity`), whose readers then read their input directly.
import { bypassNode, bytesOf, type Graph } from '../ir/opt-graph.js';
import { hasTrait } from '../layers/registry.js';
import { note, type Pass, type PassNote, type PassResult } from './pass.js';

const NAME = 'eliminate-dead-values';

function live(graph: Graph): Set<number> {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const seen = new Set<number>(graph.inputs);
  const stack = graph.outputs.map((output) => output.node);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (seen.has(id) && !graph.inputs.includes(id)) continue;
    seen.add(id);
    for (const input of byId.get(id)?.inputs ?? []) if (!seen.has(input)) stack.push(input);
  }
  return seen;
}

/** Removes unreachable layers and inference no-ops. */
export function eliminateDeadValues(graph: Graph): PassResult {
  const notes: PassNote[] = [];
  const reachable = live(graph);
  let result: Graph = { ...graph, nodes: graph.nodes.filter((node) => reachable.has(node.id)) };
  for (const node of graph.nodes) {
    if (!reachable.has(node.id))
      notes.push(
        note(
          NAME,
          node.span,
          `removed \`${node.op}\`: its value reaches no output`,
          1,
          bytesOf(node),
        ),
      );
  }
  for (const original of graph.nodes) {
    // Read the node from the graph as rewritten so far: bypassing an earlier no-op (dropout then
    // identity) has already redirected this node's input.
    const node = result.nodes.find((candidate) => candidate.id === original.id);
    if (
      !node ||
      !hasTrait(node.op, 'noOpAtInference') ||
      !reachable.has(node.id) ||
      node.inputs.length !== 1
    )
      continue;
    result = bypassNode(result, node.id, node.inputs[0]);
    const saved = node.op === 'identity' ? 1 : 0;
    notes.push(
      note(
        NAME,
        node.span,
        `removed \`${node.op}\`: the identity at inference`,
        saved,
        bytesOf(node),
      ),
    );
  }
  return { graph: result, notes };
}

export const eliminateDeadValuesPass: Pass = {
  name: NAME,
  level: 1,
  description:
    'drop layers whose value reaches no output, and inference no-ops (dropout, identity)',
  run: eliminateDeadValues,
};
