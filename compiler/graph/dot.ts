// `cnnc graph`: a model as a Graphviz DOT graph. One box per layer with the call as written, its
// output shape, its parameter count and its source line; block calls and `residual`/`branch`/
// loop bodies as nested clusters (or, with `collapseBlocks`, each outermost block call as one
// box); the edges that skip ahead into an `add` or a `concat` (residual and dense connections)
// drawn apart. Pure: text in, text out. Every label goes through `quote`, so no user text can
// end a string or smuggle in a Graphviz escape.
import { summarizeModel, type SummaryRow } from '../analysis/summary.js';
import type { SourceLookup } from '../diagnostics/line-index.js';
import type { ModelGraph, NodeId, PathStep } from '../ir/graph.js';

/** Options of {@link modelDot}. */
export interface DotOptions {
  /** Draw each outermost block call as one box. */
  collapseBlocks: boolean;
  /** The source text of each file, for the layer text and line numbers. */
  sources?: SourceLookup;
}

/** A DOT double-quoted string: backslashes, quotes and line breaks escaped. */
export function quote(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, '\\n');
  return `"${escaped}"`;
}

/** A label of several lines (each escaped, joined by DOT's centred line break). */
function label(lines: readonly string[]): string {
  return quote(lines.join('\n'));
}

const FILL: Record<string, string> = {
  conv: '#dbe4ff',
  pool: '#d3f9d8',
  norm: '#fff3bf',
  dense: '#e5dbff',
  join: '#ffe8cc',
  io: '#f1f3f5',
  other: '#ffffff',
};

function family(op: string): string {
  if (/conv|depthwise|separable/.test(op)) return 'conv';
  if (/pool/.test(op)) return 'pool';
  if (['batchnorm', 'lrn', 'dropout', 'normalize'].includes(op)) return 'norm';
  if (['linear', 'flatten'].includes(op)) return 'dense';
  if (['add', 'concat'].includes(op)) return 'join';
  if (op === 'input') return 'io';
  return 'other';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function shapeText(shape: readonly number[] | null): string {
  return shape ? `[${shape.join(', ')}]` : '[?]';
}

function rowLabel(row: SummaryRow): string {
  const counts = [
    row.params > 0 ? `${formatCount(row.params)} params` : '',
    row.line !== undefined ? `line ${row.line}` : '',
  ].filter((part) => part !== '');
  const title = row.op === 'input' ? `input ${row.name ?? ''}` : row.layer;
  return label([title, shapeText(row.shape), ...(counts.length > 0 ? [counts.join(' · ')] : [])]);
}

function stepKey(step: PathStep): string {
  return `${step.kind}:${step.name}:${step.index}:${step.span.start}`;
}

function stepTitle(step: PathStep): string {
  const indexed = new Set(['block', 'repeat', 'for', 'branch']);
  return indexed.has(step.kind) ? `${step.name}[${step.index}]` : step.name;
}

/** A cluster: the nodes directly inside it and its child clusters, in first-seen order. */
interface Cluster {
  step?: PathStep;
  nodes: string[];
  children: Map<string, Cluster>;
}

function emptyCluster(step?: PathStep): Cluster {
  return { ...(step ? { step } : {}), nodes: [], children: new Map() };
}

function place(root: Cluster, path: readonly PathStep[], line: string): void {
  let cluster = root;
  for (const step of path) {
    const key = stepKey(step);
    const child = cluster.children.get(key) ?? emptyCluster(step);
    cluster.children.set(key, child);
    cluster = child;
  }
  cluster.nodes.push(line);
}

function writeCluster(cluster: Cluster, out: string[], indent: string, counter: { n: number }) {
  for (const line of cluster.nodes) out.push(`${indent}${line}`);
  for (const child of cluster.children.values()) {
    const step = child.step as PathStep;
    const style = step.kind === 'block' ? 'rounded' : 'dashed,rounded';
    out.push(`${indent}subgraph cluster_${counter.n++} {`);
    out.push(
      `${indent}  label=${quote(stepTitle(step))}; style=${quote(style)}; color="#868e96"; fontsize=12;`,
    );
    writeCluster(child, out, `${indent}  `, counter);
    out.push(`${indent}}`);
  }
}

/** The outermost block call of a path, as the key of its collapsed box, if any. */
function collapsedKey(path: readonly PathStep[]): { key: string; depth: number } | undefined {
  const depth = path.findIndex((step) => step.kind === 'block');
  return depth < 0
    ? undefined
    : {
        key: path
          .slice(0, depth + 1)
          .map(stepKey)
          .join('/'),
        depth,
      };
}

/** The model as DOT text. */
export function modelDot(model: ModelGraph, options: DotOptions): string {
  const rows = summarizeModel(model, {
    batch: 1,
    ...(options.sources ? { sources: options.sources } : {}),
  }).rows;
  const root = emptyCluster();
  const ids = new Map<NodeId, string>();
  const groups = new Map<string, { id: string; rows: SummaryRow[]; path: PathStep[] }>();
  for (const [index, node] of model.nodes.entries()) {
    const row = rows[index];
    const collapsed = options.collapseBlocks ? collapsedKey(node.path) : undefined;
    if (collapsed) {
      const group = groups.get(collapsed.key) ?? {
        id: `b${groups.size}`,
        rows: [],
        path: node.path.slice(0, collapsed.depth + 1),
      };
      groups.set(collapsed.key, group);
      group.rows.push(row);
      ids.set(node.id, group.id);
      continue;
    }
    const id = `n${node.id}`;
    ids.set(node.id, id);
    const shape = node.op === 'input' ? 'box, style="rounded,filled"' : 'box, style=filled';
    place(
      root,
      node.path,
      `${id} [label=${rowLabel(row)}, shape=${shape}, fillcolor="${FILL[family(node.op)]}"];`,
    );
  }
  for (const group of groups.values()) {
    const last = group.rows[group.rows.length - 1];
    const params = group.rows.reduce((acc, row) => acc + row.params, 0);
    const step = group.path[group.path.length - 1];
    const lines = [
      stepTitle(step),
      shapeText(last.shape),
      `${group.rows.length} layers · ${formatCount(params)} params`,
    ];
    place(
      root,
      group.path.slice(0, -1),
      `${group.id} [label=${label(lines)}, shape=box, style="rounded,filled", fillcolor="${FILL.conv}"];`,
    );
  }
  const edges: string[] = [];
  const seen = new Set<string>();
  for (const [index, node] of model.nodes.entries()) {
    const to = ids.get(node.id) as string;
    for (const input of node.inputs) {
      const from = ids.get(input) as string;
      if (from === to || seen.has(`${from}->${to}`)) continue;
      seen.add(`${from}->${to}`);
      const skip = ['add', 'concat'].includes(node.op) && model.nodes[index - 1]?.id !== input;
      edges.push(
        skip
          ? `${from} -> ${to} [color="#e8590c", penwidth=1.6, style=dashed];`
          : `${from} -> ${to};`,
      );
    }
  }
  const outputs = model.outputs.flatMap((output, idx) => {
    const shape = model.nodes.find((node) => node.id === output.node)?.shape ?? null;
    const id = `out${idx}`;
    return [
      `${id} [label=${label([`output ${output.name}`, shapeText(shape ? [...shape] : null)])}, shape=box, style="rounded,filled", fillcolor="${FILL.io}"];`,
      `${ids.get(output.node)} -> ${id};`,
    ];
  });
  const body: string[] = [];
  writeCluster(root, body, '  ', { n: 0 });
  const total = rows.reduce((acc, row) => acc + row.params, 0);
  return [
    `digraph ${quote(model.name)} {`,
    `  graph [label=${quote(`${model.name}: ${formatCount(total)} trainable parameters`)}, labelloc=t, fontname="Helvetica", fontsize=18, rankdir=TB, nodesep=0.25, ranksep=0.3];`,
    `  node [fontname="Helvetica", fontsize=11, margin="0.12,0.04"];`,
    `  edge [color="#495057", arrowsize=0.6];`,
    ...body,
    ...outputs.map((line) => `  ${line}`),
    ...edges.map((line) => `  ${line}`),
    '}',
    '',
  ].join('\n');
}
