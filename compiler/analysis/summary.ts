// The static analysis behind `cnnc summary`: per-layer rows and model totals computed from a
// shape-checked ModelGraph, like torchinfo's summary but without running anything. Parameters and
// buffers are counted from each layer's tensor list (`params` in its spec, PyTorch's names and
// layouts), MACs come from its shape rule. Pure: the renderers in ./summary-text.ts and
// ./summary-json.ts turn the result into text or JSON.
import type { SourceLookup } from '../diagnostics/line-index.js';
import { lineIndexLookup, lineOf, type LineIndex } from '../diagnostics/line-index.js';
import type { GraphNode, ModelGraph, PathStep } from '../ir/graph.js';
import { layers } from '../layers/registry.js';
import { layerParams, paramCounts } from '../layers/params.js';
import { product } from '../shapes/conv-arithmetic.js';

/** Bytes per activation or parameter: every tensor is float32. */
export const BYTES_PER_VALUE = 4;

/** Layers whose MACs count in the "conv + linear" total that published MAC figures use. */
export const CONV_LINEAR_OPS: ReadonlySet<string> = new Set(
  layers.filter((spec) => spec.traits?.convLike).map((spec) => spec.name),
);

/** One node of the model: what the table shows per layer, all counts per sample. */
export interface SummaryRow {
  id: number;
  op: string;
  /** The call as written (first line, whitespace collapsed), or the op without the source. */
  layer: string;
  /** The `input`, `let` or `output` name of the node, if any. */
  name?: string;
  file: string;
  /** 1-based line of the call; absent without the source text. */
  line?: number;
  /** The block path, e.g. `Basic[2]/residual`; empty at the top level of the model. */
  path: string;
  depth: number;
  /** Per-sample output shape; `null` when shape checking failed for this node. */
  shape: number[] | null;
  params: number;
  buffers: number;
  macs: number;
  /** Output size in bytes (float32), per sample. */
  activationBytes: number;
}

/** Model totals; per-sample unless the name ends in `Batch`. Formulas in docs/summary-json.md. */
export interface SummaryTotals {
  trainableParams: number;
  nonTrainableBuffers: number;
  paramsAndBuffers: number;
  macs: number;
  flops: number;
  convLinearMacs: number;
  inputBytes: number;
  activationBytes: number;
  trainingBytesPerSample: number;
  modelStateBytes: number;
  macsBatch: number;
  flopsBatch: number;
  activationBytesBatch: number;
  trainingBytesBatch: number;
}

export interface ModelSummary {
  model: string;
  batch: number;
  rows: SummaryRow[];
  totals: SummaryTotals;
}

export interface SummaryOptions {
  /** Samples per batch for the `…Batch` totals; at least 1. */
  batch: number;
  /** The text of each source file, for line numbers and the layer text as written. */
  sources?: SourceLookup;
}

/** `Basic[2]/residual`: block calls and loops with their index, other constructs by keyword. */
export function formatPath(path: readonly PathStep[]): string {
  const indexed = new Set(['block', 'repeat', 'for', 'branch']);
  return path
    .map((step) => (indexed.has(step.kind) ? `${step.name}[${step.index}]` : step.name))
    .join('/');
}

function layerText(node: GraphNode, index: LineIndex | undefined): string {
  const fallback = node.op === 'input' && node.name ? `input ${node.name}` : node.op;
  if (!index) return fallback;
  const written = index.text.slice(node.span.start, node.span.end).split(/\r?\n/)[0];
  const collapsed = written.replace(/\s+/g, ' ').trim();
  if (collapsed === '') return fallback;
  return collapsed.length > 48 ? `${collapsed.slice(0, 47)}…` : collapsed;
}

/** The node's trainable values and buffers from its spec's tensor list (none if unchecked). */
function countsOf(node: GraphNode, input: GraphNode | undefined) {
  if (!node.cost) return { params: 0, buffers: 0 };
  return paramCounts(layerParams(node, input, ''));
}

function summarizeNode(
  node: GraphNode,
  input: GraphNode | undefined,
  lineIndexOf: (file: string) => LineIndex | undefined,
): SummaryRow {
  const index = lineIndexOf(node.span.file);
  const macs = node.cost?.macs ?? 0;
  const counts = countsOf(node, input);
  const row: SummaryRow = {
    id: node.id,
    op: node.op,
    layer: layerText(node, index),
    file: node.span.file,
    path: formatPath(node.path),
    depth: node.path.length,
    shape: node.shape ? [...node.shape] : null,
    params: counts.params,
    buffers: counts.buffers,
    macs,
    activationBytes: node.shape ? product(node.shape) * BYTES_PER_VALUE : 0,
  };
  if (node.name !== undefined) row.name = node.name;
  if (index) row.line = lineOf(index, node.span.start) + 1;
  return row;
}

function sum(rows: readonly SummaryRow[], pick: (row: SummaryRow) => number): number {
  return rows.reduce((acc, row) => acc + pick(row), 0);
}

/**
 * Totals of `rows`. Training memory per sample is the input plus every activation twice (kept
 * for the backward pass, and its gradient); the model state is weights, their gradients and two
 * Adam moments (4 copies of the parameters) plus the buffers, and does not grow with the batch.
 */
export function summarizeTotals(rows: readonly SummaryRow[], batch: number): SummaryTotals {
  const trainableParams = sum(rows, (row) => row.params);
  const nonTrainableBuffers = sum(rows, (row) => row.buffers);
  const macs = sum(rows, (row) => row.macs);
  const inputBytes = sum(rows, (row) => (row.op === 'input' ? row.activationBytes : 0));
  const activationBytes = sum(rows, (row) => (row.op === 'input' ? 0 : row.activationBytes));
  const trainingBytesPerSample = inputBytes + 2 * activationBytes;
  const modelStateBytes = (4 * trainableParams + nonTrainableBuffers) * BYTES_PER_VALUE;
  return {
    trainableParams,
    nonTrainableBuffers,
    paramsAndBuffers: trainableParams + nonTrainableBuffers,
    macs,
    flops: 2 * macs,
    convLinearMacs: sum(rows, (row) => (CONV_LINEAR_OPS.has(row.op) ? row.macs : 0)),
    inputBytes,
    activationBytes,
    trainingBytesPerSample,
    modelStateBytes,
    macsBatch: macs * batch,
    flopsBatch: 2 * macs * batch,
    activationBytesBatch: activationBytes * batch,
    trainingBytesBatch: modelStateBytes + trainingBytesPerSample * batch,
  };
}

/** Summarises one shape-checked model: a row per node, in graph order, and the totals. */
export function summarizeModel(model: ModelGraph, options: SummaryOptions): ModelSummary {
  const batch = Math.max(1, Math.floor(options.batch));
  const lineIndexOf = lineIndexLookup(options.sources ?? (() => undefined));
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  const rows = model.nodes.map((node) =>
    summarizeNode(node, byId.get(node.inputs[0]), lineIndexOf),
  );
  return { model: model.name, batch, rows, totals: summarizeTotals(rows, batch) };
}

/**
 * Whether a count of `summary` passes 2^53 - 1, where float64 arithmetic stops being exact: its
 * figures are then rounded, and `cnnc summary` says so instead of printing them "to the digit".
 */
export function hasInexactCounts(summary: ModelSummary): boolean {
  const unsafe = (value: number): boolean => !Number.isSafeInteger(value);
  return (
    Object.values(summary.totals).some(unsafe) ||
    summary.rows.some(
      (row) =>
        unsafe(row.params) ||
        unsafe(row.buffers) ||
        unsafe(row.macs) ||
        unsafe(row.activationBytes),
    )
  );
}
