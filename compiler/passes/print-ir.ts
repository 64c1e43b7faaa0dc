// A readable text form of the IR, for `cnnc build --print-ir-after` and the pass tests:
//   %3 = conv(%0) out=6 kernel=5 pad=2 : [6, 28, 28] +relu lower=im2col buf=1  ; lenet5.cnn:15:3
import type { Span } from '../diagnostics/diagnostic.js';
import { showValue } from '../ir/value.js';
import type { Graph, OptNode } from '../ir/opt-graph.js';

/** Turns a span into `file:line:col` (or anything short); the default prints nothing. */
export type Locate = (span: Span) => string | undefined;

function describe(node: OptNode): string {
  const args = Object.entries(node.args)
    .map(([name, value]) => `${name}=${showValue(value)}`)
    .join(' ');
  const inputs = node.inputs.map((id) => `%${id}`).join(', ');
  const parts = [`%${node.id} = ${node.op}(${inputs})`];
  if (node.name) parts[0] = `${parts[0]} "${node.name}"`;
  if (args) parts.push(args);
  parts.push(`: [${(node.shape ?? []).join(', ')}]`);
  if (node.folded) parts.push(`+batchnorm(eps=${node.folded.eps})`);
  for (const step of node.epilogue ?? [])
    parts.push(`+${step.op}${step.alpha !== undefined ? `(${step.alpha})` : ''}`);
  if (node.lowering) parts.push(`lower=${node.lowering}`);
  if (node.buffer !== undefined) parts.push(`buf=${node.buffer}`);
  return parts.join(' ');
}

/** Prints `graph`, one node a line, then its outputs. */
export function printIr(graph: Graph, locate: Locate = () => undefined): string {
  const lines = [`model ${graph.name} {`];
  for (const node of graph.nodes) {
    const where = locate(node.span);
    lines.push(`  ${describe(node)}${where ? `  ; ${where}` : ''}`);
  }
  for (const output of graph.outputs) lines.push(`  output ${output.name} = %${output.node}`);
  if (graph.memory)
    lines.push(
      `  ; memory: ${graph.memory.buffers} buffers, peak ${graph.memory.peakBytes} B/sample (${graph.memory.naiveBytes} without reuse)`,
    );
  lines.push('}');
  return lines.join('\n');
}
