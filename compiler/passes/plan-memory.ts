// Liveness-based memory planning: every layer output gets a buffer slot; a slot is reused as soon
// as the last reader of its value has run. Reshapes (`flatten`) share their input's slot. The
// plan records the peak bytes per sample live at once, against the sum of all intermediates.
import { bytesOf, type Graph } from '../ir/opt-graph.js';
import { hasTrait } from '../layers/registry.js';
import { note, type Pass, type PassResult } from './pass.js';

const NAME = 'plan-memory';

/** The index of the last node reading each value (outputs live to the end). */
function lastUses(graph: Graph): Map<number, number> {
  const last = new Map<number, number>();
  graph.nodes.forEach((node, position) => {
    for (const input of node.inputs) last.set(input, position);
  });
  for (const output of graph.outputs) last.set(output.node, graph.nodes.length);
  return last;
}

/** Assigns buffer slots and records the peak. */
export function planMemory(graph: Graph): PassResult {
  const last = lastUses(graph);
  const slotOf = new Map<number, number>();
  const slotSize: number[] = [];
  const free: number[] = [];
  const holders = new Map<number, number>(); // slot → values still reading it
  let live = 0;
  let peak = 0;
  const nodes = graph.nodes.map((node, position) => {
    let slot: number;
    if (hasTrait(node.op, 'aliasesInput') && node.inputs.length === 1)
      slot = slotOf.get(node.inputs[0]) as number;
    else {
      // Best fit: the smallest free slot that is large enough, else a new one.
      const size = bytesOf(node);
      const fits = free
        .filter((s) => slotSize[s] >= size)
        .sort((a, b) => slotSize[a] - slotSize[b]);
      slot = fits[0] ?? slotSize.length;
      if (slot === slotSize.length) slotSize.push(size);
      free.splice(free.indexOf(slot) >>> 0, fits.length > 0 ? 1 : 0);
      live += slotSize[slot];
      peak = Math.max(peak, live);
    }
    slotOf.set(node.id, slot);
    holders.set(slot, (holders.get(slot) ?? 0) + 1);
    for (const input of new Set(node.inputs)) {
      if (last.get(input) !== position) continue;
      const inputSlot = slotOf.get(input) as number;
      const remaining = (holders.get(inputSlot) ?? 1) - 1;
      holders.set(inputSlot, remaining);
      if (remaining === 0 && inputSlot !== slot) {
        free.push(inputSlot);
        live -= slotSize[inputSlot];
      }
    }
    return { ...node, buffer: slot };
  });
  const naiveBytes = graph.nodes
    .filter((n) => !hasTrait(n.op, 'aliasesInput'))
    .reduce((acc, n) => acc + bytesOf(n), 0);
  const memory = { peakBytes: peak, naiveBytes, buffers: slotSize.length };
  const message = `${graph.nodes.length} values in ${slotSize.length} buffers; peak ${peak} bytes per sample (${naiveBytes} without reuse)`;
  return {
    graph: { ...graph, nodes, memory },
    notes: [note(NAME, graph.span, message, 0, naiveBytes - peak)],
  };
}

export const planMemoryPass: Pass = {
  name: NAME,
  level: 1,
  description: 'assign reusable buffers by liveness and report the peak',
  run: planMemory,
};
