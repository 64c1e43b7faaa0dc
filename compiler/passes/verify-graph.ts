// The invariants of the IR, checked between passes in tests and whenever `CNNC_DEBUG` is set.
// A violation is a compiler bug, so it is returned as plain messages (and thrown by the driver).
import { hasTrait } from '../layers/registry.js';
import { type Graph } from '../ir/opt-graph.js';

/** Returns every violated invariant of `graph` (empty when it is well-formed). */
export function verifyGraph(graph: Graph): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const node of graph.nodes) {
    const where = `node %${node.id} (${node.op})`;
    if (seen.has(node.id)) problems.push(`${where}: duplicate id`);
    for (const input of node.inputs)
      if (!seen.has(input)) problems.push(`${where}: input %${input} is not defined before it`);
    seen.add(node.id);
    if (!node.shape) problems.push(`${where}: no shape`);
    if (node.op === 'input' && !graph.inputs.includes(node.id))
      problems.push(`${where}: an input node not listed as a model input`);
    for (const step of node.epilogue ?? [])
      if (!hasTrait(step.op, 'elementwise'))
        problems.push(`${where}: epilogue \`${step.op}\` is not elementwise`);
    if (node.folded && !hasTrait(node.op, 'foldsBatchnorm'))
      problems.push(`${where}: a BatchNorm is folded into a layer without per-channel weights`);
    if (node.lowering && node.op !== 'conv' && node.op !== 'depthwise')
      problems.push(`${where}: lowering \`${node.lowering}\` on a layer that is not a convolution`);
  }
  for (const input of graph.inputs)
    if (!seen.has(input)) problems.push(`model input %${input} is missing`);
  for (const output of graph.outputs)
    if (!seen.has(output.node))
      problems.push(`output \`${output.name}\` names missing node %${output.node}`);
  return problems;
}

/** Throws an internal error listing the violations, if any. */
export function assertValidGraph(graph: Graph, after: string): void {
  const problems = verifyGraph(graph);
  if (problems.length > 0)
    throw new Error(`internal error: invalid IR after ${after}:\n  ${problems.join('\n  ')}`);
}
