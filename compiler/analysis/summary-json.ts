// The JSON form of a ModelSummary for `cnnc summary --json`, versioned so tools can rely on it.
// The schema is documented field by field in docs/summary-json.md.
import type { ModelSummary, SummaryRow, SummaryTotals } from './summary.js';

/** The schema identifier; a breaking change to the JSON bumps the number. */
export const SUMMARY_SCHEMA = 'cnnc.summary/1';

/** One model's summary as JSON; `layers` are in graph (topological) order. */
export interface SummaryJson {
  schema: typeof SUMMARY_SCHEMA;
  model: string;
  batch: number;
  layers: SummaryLayerJson[];
  totals: SummaryTotals;
}

export interface SummaryLayerJson {
  id: number;
  op: string;
  layer: string;
  name: string | null;
  file: string;
  line: number | null;
  path: string;
  shape: number[] | null;
  params: number;
  buffers: number;
  macs: number;
  activationBytes: number;
}

function layerJson(row: SummaryRow): SummaryLayerJson {
  return {
    id: row.id,
    op: row.op,
    layer: row.layer,
    name: row.name ?? null,
    file: row.file,
    line: row.line ?? null,
    path: row.path,
    shape: row.shape,
    params: row.params,
    buffers: row.buffers,
    macs: row.macs,
    activationBytes: row.activationBytes,
  };
}

/**
 * The JSON value of `summary` (pass it to `JSON.stringify`): every field is always present, with
 * `null` for what is unknown, and key order is fixed so output diffs cleanly.
 */
export function summaryToJson(summary: ModelSummary): SummaryJson {
  return {
    schema: SUMMARY_SCHEMA,
    model: summary.model,
    batch: summary.batch,
    layers: summary.rows.map(layerJson),
    totals: { ...summary.totals },
  };
}
