// Inference-time BatchNorm folding: a `batchnorm` right after a convolution or linear layer (whose
// value nothing else reads) becomes part of that layer's weight and bias, computed once when
// weights are set: `w' = w·γ/√(var+ε)`, `b' = (b − mean)·γ/√(var+ε) + β`.
import { argNumber } from '../layers/args.js';
import {
  bypassNode,
  bytesOf,
  consumersOf,
  isOutput,
  replaceNode,
  type Graph,
} from '../ir/opt-graph.js';
import { hasTrait } from '../layers/registry.js';
import { note, type Pass, type PassNote, type PassResult } from './pass.js';

const NAME = 'fold-batchnorm';

/** Folds every eligible BatchNorm into its producer. */
export function foldBatchnorm(graph: Graph): PassResult {
  const notes: PassNote[] = [];
  let result = graph;
  for (const node of graph.nodes) {
    if (node.op !== 'batchnorm' || node.inputs.length !== 1) continue;
    const producer = result.nodes.find((other) => other.id === node.inputs[0]);
    if (
      !producer ||
      !hasTrait(producer.op, 'foldsBatchnorm') ||
      producer.folded ||
      producer.epilogue
    )
      continue;
    if (consumersOf(result).get(producer.id)?.length !== 1 || isOutput(result, producer.id))
      continue;
    const eps = argNumber(node, 'eps');
    result = replaceNode(result, { ...producer, folded: { node, eps } });
    result = bypassNode(result, node.id, producer.id);
    notes.push(
      note(
        NAME,
        node.span,
        `folded \`batchnorm\` into the \`${producer.op}\` before it`,
        1,
        bytesOf(node),
      ),
    );
  }
  return { graph: result, notes };
}

export const foldBatchnormPass: Pass = {
  name: NAME,
  level: 1,
  description: 'fold inference BatchNorm into the preceding conv/linear weight and bias',
  run: foldBatchnorm,
};
