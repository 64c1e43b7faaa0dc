// Elementwise-chain fusion: consecutive elementwise activations (`sigmoid` then `relu` …) that no
// other layer reads in between run as one kernel, the first node carrying the rest as epilogue.
import { hasTrait } from '../layers/registry.js';
import {
  alphaOf,
  bypassNode,
  bytesOf,
  consumersOf,
  isOutput,
  replaceNode,
  type Graph,
  type OptNode,
} from '../ir/opt-graph.js';
import { note, type Pass, type PassNote, type PassResult } from './pass.js';

const NAME = 'fuse-elementwise';

/** The most steps one chain kernel applies (the head and three more). */
const MAX_STEPS = 4;

function canExtend(graph: Graph, head: OptNode, next: OptNode): boolean {
  if (!hasTrait(next.op, 'elementwise') || next.epilogue || next.inputs.length !== 1) return false;
  if ((head.epilogue?.length ?? 0) + 1 >= MAX_STEPS) return false;
  return consumersOf(graph).get(head.id)?.length === 1 && !isOutput(graph, head.id);
}

/** Merges runs of elementwise activations into their first node. */
export function fuseElementwise(graph: Graph): PassResult {
  const notes: PassNote[] = [];
  let result = graph;
  for (const original of graph.nodes) {
    const head = result.nodes.find((node) => node.id === original.id);
    if (!head || !hasTrait(head.op, 'elementwise') || head.epilogue) continue;
    let current = head;
    for (;;) {
      const readers = consumersOf(result).get(current.id) ?? [];
      const next = result.nodes.find((node) => node.id === readers[0]);
      if (readers.length !== 1 || !next || !canExtend(result, current, next)) break;
      const alpha = alphaOf(next);
      const step = { op: next.op, from: next.id, ...(alpha !== undefined ? { alpha } : {}) };
      current = { ...current, epilogue: [...(current.epilogue ?? []), step] };
      result = bypassNode(replaceNode(result, current), next.id, current.id);
      notes.push(
        note(
          NAME,
          next.span,
          `merged \`${next.op}\` into the \`${head.op}\` before it`,
          1,
          bytesOf(next),
        ),
      );
    }
  }
  return { graph: result, notes };
}

export const fuseElementwisePass: Pass = {
  name: NAME,
  level: 2,
  description: 'run chains of elementwise activations as one kernel',
  run: fuseElementwise,
};
