// Conv/linear + bias + activation fusion: an activation whose input is a convolution, a linear
// layer, a BatchNorm or a residual `add` (read by nothing else) becomes that layer's epilogue, so
// the activation costs no extra kernel and no extra intermediate.
import {
  alphaOf,
  bypassNode,
  bytesOf,
  consumersOf,
  isOutput,
  replaceNode,
  type Graph,
} from '../ir/opt-graph.js';
import { hasTrait } from '../layers/registry.js';
import { note, type Pass, type PassNote, type PassResult } from './pass.js';

const NAME = 'fuse-activation';

/** Fuses each eligible activation into its producer. */
export function fuseActivation(graph: Graph): PassResult {
  const notes: PassNote[] = [];
  let result = graph;
  for (const node of graph.nodes) {
    if (!hasTrait(node.op, 'elementwise') || node.inputs.length !== 1 || node.epilogue) continue;
    const producer = result.nodes.find((other) => other.id === node.inputs[0]);
    if (!producer || !hasTrait(producer.op, 'fusesActivation') || producer.epilogue) continue;
    if (consumersOf(result).get(producer.id)?.length !== 1 || isOutput(result, producer.id))
      continue;
    const alpha = alphaOf(node);
    const step = { op: node.op, from: node.id, ...(alpha !== undefined ? { alpha } : {}) };
    result = replaceNode(result, { ...producer, epilogue: [step] });
    result = bypassNode(result, node.id, producer.id);
    const what = producer.op === 'add' ? 'residual `add`' : `\`${producer.op}\``;
    notes.push(
      note(NAME, node.span, `fused \`${node.op}\` into the ${what} before it`, 1, bytesOf(node)),
    );
  }
  return { graph: result, notes };
}

export const fuseActivationPass: Pass = {
  name: NAME,
  level: 1,
  description:
    'fuse an activation into the conv/linear/batchnorm/residual add that produces its input',
  run: fuseActivation,
};
