// Plans a generated module from an optimised graph: its parameters (PyTorch names), the folded
// BatchNorms, and for each node the target's kernel calls. Problems become diagnostics: a layer
// the target cannot run (CNN4002) and a name that had to be renamed (CNN4001).
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { GraphNode } from '../ir/graph.js';
import type { Graph, OptNode } from '../ir/opt-graph.js';
import { sizeOf } from '../ir/geometry.js';
import { isSafeIdentifier, safeIdentifier } from './names.js';
import { layerPrefixes, paramsOf, type ParamEntry } from './param-names.js';
import type { KernelCall, Target } from './target.js';

/** A BatchNorm fold, as the runtime's `FoldSpec`. */
export interface FoldEntry {
  weightOut: string;
  biasOut: string;
  weight: string;
  bias: string | null;
  gamma: string | null;
  beta: string | null;
  mean: string;
  variance: string;
  eps: number;
}

/** One node of the forward pass. */
export interface PlannedLayer {
  node: OptNode;
  calls: KernelCall[];
  /** True for reshapes that reuse their input's value. */
  alias: boolean;
  /** The forward buffer ({@link ModulePlan.buffers}) its result goes to; absent: a fresh array. */
  buffer?: number;
  /**
   * The forward buffers of its intermediate results, one per call but the last (separable's
   * depthwise half); absent without a memory plan.
   */
  scratch?: number[];
  /**
   * Its value's variable in the forward and the training code when the source names it uniquely
   * (`output logits` → `logits`, `let skip` → `skip`, the last layer of the only call of
   * `block Stem` → `stem`); absent: `v<id>`.
   */
  identifier?: string;
}

/** A model input or output with its identifier in the generated code. */
export interface PlannedValue {
  name: string;
  identifier: string;
  node: number;
  shape: number[];
}

/** Everything the emitter writes. */
export interface ModulePlan {
  model: string;
  typeName: string;
  params: ParamEntry[];
  folds: FoldEntry[];
  layers: PlannedLayer[];
  inputs: PlannedValue[];
  outputs: PlannedValue[];
  /**
   * Values per sample of each forward buffer: the memory plan's slots that hold an intermediate
   * value (not a model input, which is the caller's, nor an output, which the caller keeps), each
   * as large as the largest value it holds, then the buffers only intermediate results of a
   * layer's calls use (see {@link planScratch}). Empty without a memory plan (-O0).
   */
  buffers: number[];
}

function diag(
  code: 'CNN4001' | 'CNN4002',
  span: Span,
  message: string,
  hints: string[],
): Diagnostic {
  const severity = code === 'CNN4001' ? 'warning' : 'error';
  return { code, severity, message, span, labels: [], hints, notes: [], fixes: [] };
}

function foldOf(
  node: OptNode,
  prefix: string,
  bnPrefix: string,
  hasBias: boolean,
  affine: boolean,
): FoldEntry {
  return {
    weightOut: `${prefix}.weight:folded`,
    biasOut: `${prefix}.bias:folded`,
    weight: `${prefix}.weight`,
    bias: hasBias ? `${prefix}.bias` : null,
    gamma: affine ? `${bnPrefix}.weight` : null,
    beta: affine ? `${bnPrefix}.bias` : null,
    mean: `${bnPrefix}.running_mean`,
    variance: `${bnPrefix}.running_var`,
    eps: node.folded?.eps ?? 1e-5,
  };
}

/** Names inputs and outputs with safe, unique identifiers, warning when one is renamed. */
function planValues(
  graph: Graph,
  report: (d: Diagnostic) => void,
): { inputs: PlannedValue[]; outputs: PlannedValue[] } {
  const taken = new Set<string>();
  const named = (name: string, node: number, span: Span, what: string): PlannedValue => {
    const identifier = safeIdentifier(name, taken);
    if (identifier !== name)
      report(
        diag(
          'CNN4001',
          span,
          `${what} \`${name}\` is called \`${identifier}\` in the generated module`,
          [
            `\`${name}\` is reserved in TypeScript or in the generated code; rename it to keep the name`,
          ],
        ),
      );
    const shape = [...(graph.nodes.find((n) => n.id === node)?.shape ?? [])];
    return { name, identifier, node, shape };
  };
  const inputs = graph.inputs.map((id) => {
    const node = graph.nodes.find((n) => n.id === id) as OptNode;
    return named(node.name ?? `input${id}`, id, node.span, 'input');
  });
  const outputs = graph.outputs.map((output) =>
    named(output.name, output.node, output.span, 'output'),
  );
  return { inputs, outputs };
}

/** Plans `graph` (an optimised model) for `target`. */
export function planModule(
  graph: Graph,
  target: Target,
  report: (d: Diagnostic) => void,
  original: readonly GraphNode[] = graph.nodes,
): ModulePlan {
  // Names come from the graph as written, so that optimisation never renames a tensor.
  const prefixes = layerPrefixes(original);
  const params: ParamEntry[] = [];
  const folds: FoldEntry[] = [];
  const layers: PlannedLayer[] = [];
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  for (const node of graph.nodes) {
    if (node.op === 'input') continue;
    const prefix = prefixes.get(node.id) ?? String(node.id);
    const own = paramsOf(graph, node, prefix);
    params.push(...own);
    const names = new Set(own.map((p) => p.name));
    let param = (local: string): string | null =>
      names.has(`${prefix}.${local}`) ? `${prefix}.${local}` : null;
    if (node.folded) {
      const bn = node.folded.node;
      const bnPrefix = prefixes.get(bn.id) ?? String(bn.id);
      const bnParams = paramsOf(graph, { ...bn, inputs: [node.id] }, bnPrefix);
      params.push(...bnParams);
      const fold = foldOf(
        node,
        prefix,
        bnPrefix,
        names.has(`${prefix}.bias`),
        bnParams.some((p) => p.role === 'gamma'),
      );
      folds.push(fold);
      param = (local) =>
        local === 'weight' ? fold.weightOut : local === 'bias' ? fold.biasOut : null;
    }
    const inputs = node.inputs.map((id) => byId.get(id) as OptNode);
    const plan = target.planLayer({ graph, node, inputs, param });
    if (plan.kind === 'unsupported') {
      report(
        diag(
          'CNN4002',
          node.span,
          `\`${node.op}\` cannot be built for the ${target.name} target: ${plan.reason}`,
          [],
        ),
      );
      continue;
    }
    layers.push({
      node,
      calls: plan.kind === 'kernels' ? plan.calls : [],
      alias: plan.kind === 'alias',
    });
  }
  const buffers = planBuffers(graph, layers);
  const { inputs, outputs } = planValues(graph, report);
  nameValues(layers, inputs, outputs, original);
  const typeName = safeIdentifier(
    graph.name,
    new Set(['Model', 'CreateOptions', 'ModelBase', 'ParamSpec', 'FoldSpec']),
  );
  return { model: graph.name, typeName, params, folds, layers, inputs, outputs, buffers };
}

/**
 * Gives each layer that computes an intermediate value the forward buffer of its memory-plan slot
 * (numbered densely in slot order) and returns the buffers' sizes. The plan never gives a layer
 * the slot of a value it reads, nor a slot still read later, so each buffer is free when written.
 */
function planBuffers(graph: Graph, layers: PlannedLayer[]): number[] {
  const outputs = new Set(graph.outputs.map((output) => output.node));
  const pooled = layers.filter(
    (layer) =>
      !layer.alias &&
      layer.calls.length > 0 &&
      layer.node.buffer !== undefined &&
      !outputs.has(layer.node.id),
  );
  const slots = [...new Set(pooled.map((layer) => layer.node.buffer as number))].sort(
    (a, b) => a - b,
  );
  const sizes = slots.map(() => 0);
  for (const layer of pooled) {
    const index = slots.indexOf(layer.node.buffer as number);
    layer.buffer = index;
    sizes[index] = Math.max(sizes[index], sizeOf(layer.node.shape ?? []));
  }
  if (graph.nodes.some((node) => node.buffer !== undefined))
    planScratch(graph, layers, slots, sizes);
  return sizes;
}

/**
 * Gives the intermediate results of a layer's calls (separable's depthwise half, read only by
 * the next call of the same layer) a forward buffer that holds no value live while the layer runs
 * (its inputs, values read later, its own result): the smallest such that is large enough, else
 * the largest such, grown, else a new buffer, which later intermediates may reuse. `slots` maps the first forward buffers to memory-plan slots;
 * `sizes` grows by the new buffers.
 */
function planScratch(
  graph: Graph,
  layers: PlannedLayer[],
  slots: readonly number[],
  sizes: number[],
): void {
  const position = new Map(graph.nodes.map((node, idx) => [node.id, idx]));
  const lastUse = new Map<number, number>();
  graph.nodes.forEach((node, idx) => {
    for (const input of node.inputs) lastUse.set(input, idx);
  });
  for (const output of graph.outputs) lastUse.set(output.node, graph.nodes.length);
  // When each memory-plan slot holds a value: from the node that writes it to its last reader.
  const busy = graph.nodes.map((node, idx) => ({
    slot: node.buffer,
    from: idx,
    to: Math.max(idx, lastUse.get(node.id) ?? idx),
  }));
  const scratchOnly: number[] = [];
  for (const layer of layers) {
    const intermediates = layer.calls.slice(0, -1);
    // A target that does not say how large an intermediate is leaves it a fresh array.
    if (layer.alias || intermediates.length === 0) continue;
    if (intermediates.some((call) => call.values === undefined)) continue;
    const at = position.get(layer.node.id) as number;
    const taken = new Set(
      busy
        .filter((use) => use.from <= at && at <= use.to)
        .map((use) => slots.indexOf(use.slot ?? -1)),
    );
    const free = [...slots.keys(), ...scratchOnly].filter((index) => !taken.has(index));
    layer.scratch = intermediates.map((call) => {
      const need = call.values as number;
      const fits = free.filter((index) => sizes[index] >= need).sort((a, b) => sizes[a] - sizes[b]);
      // Else the largest free buffer grows to hold it (cheaper than one more), else one more.
      let index = fits[0] ?? [...free].sort((a, b) => sizes[b] - sizes[a])[0];
      if (index === undefined) {
        index = sizes.length;
        sizes.push(need);
        scratchOnly.push(index);
      } else sizes[index] = Math.max(sizes[index], need);
      free.splice(free.indexOf(index), 1);
      return index;
    });
  }
}

/**
 * The `let` name of a layer's value. After fusion that is the name of the last node folded or
 * fused into it (`let a = conv(…) -> relu` names the relu, whose value the fused conv computes).
 */
function letName(node: OptNode, original: ReadonlyMap<number, GraphNode>): string | undefined {
  const last = node.epilogue?.[node.epilogue.length - 1];
  if (last) return original.get(last.from)?.sourceName;
  if (node.folded) return node.folded.node.sourceName;
  return node.sourceName;
}

/**
 * The names the source gives a layer's value, first the one it takes: its `let` name, and the
 * (lower-camel) name of the innermost block call it is the last layer of.
 */
function sourceNames(
  layer: PlannedLayer,
  layers: readonly PlannedLayer[],
  original: ReadonlyMap<number, GraphNode>,
): string[] {
  const bound = letName(layer.node, original);
  const block = blockName(layer, layers);
  return [...(bound !== undefined ? [bound] : []), ...(block !== undefined ? [block] : [])];
}

/** The (lower-camel) name of the innermost block call whose last layer `layer` is. */
function blockName(layer: PlannedLayer, layers: readonly PlannedLayer[]): string | undefined {
  const { node } = layer;
  for (let depth = node.path.length - 1; depth >= 0; depth--) {
    const step = node.path[depth];
    if (step.kind !== 'block') continue;
    const inCall = (other: PlannedLayer) =>
      other.node.path.length > depth &&
      node.path.slice(0, depth + 1).every((s, idx) => {
        const o = other.node.path[idx];
        return o.kind === s.kind && o.name === s.name && o.index === s.index;
      });
    const last = layers.filter((other) => !other.alias && inCall(other)).pop();
    if (last === layer) return step.name.charAt(0).toLowerCase() + step.name.slice(1);
    return undefined;
  }
  return undefined;
}

/**
 * Gives each layer the source's name for its value where that name is unique in the model and a
 * safe identifier no input, output or other value uses (names.ts); the others keep `v<id>`.
 */
function nameValues(
  layers: PlannedLayer[],
  inputs: readonly PlannedValue[],
  outputs: readonly PlannedValue[],
  original: readonly GraphNode[],
): void {
  const byId = new Map(original.map((node) => [node.id, node]));
  const computing = layers.filter((layer) => !layer.alias && layer.calls.length > 0);
  // An output's value is called as the output is (`output logits` → `logits`).
  const outputOf = new Map(outputs.map((output) => [output.node, output.identifier]));
  const candidates = computing.map((layer) => {
    const output = outputOf.get(layer.node.id);
    return [...(output !== undefined ? [output] : []), ...sourceNames(layer, layers, byId)];
  });
  // A name is unique when nothing else could be called so: two calls of one block both offer its
  // name, even where a `let` names one of them.
  const count = new Map<string, number>();
  for (const list of candidates)
    for (const name of new Set(list)) count.set(name, (count.get(name) ?? 0) + 1);
  const names = candidates.map((list) => list[0]);
  const used = new Set(inputs.map((input) => input.identifier));
  for (const output of outputs)
    if (!computing.some((layer) => layer.node.id === output.node)) used.add(output.identifier);
  computing.forEach((layer, idx) => {
    const name = names[idx];
    if (!name || count.get(name) !== 1 || used.has(name) || !isSafeIdentifier(name)) return;
    used.add(name);
    layer.identifier = name;
  });
}

/** Elements per sample of a planned value. */
export function perSample(value: PlannedValue): number {
  return sizeOf(value.shape);
}
