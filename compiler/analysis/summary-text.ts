// Renders a ModelSummary as a torchinfo-like text table: one row per layer, indented by its
// block depth, then the totals. Numbers carry thousands separators; nothing here prints.
import { formatCount, formatShape } from '../shapes/format.js';
import type { ModelSummary, SummaryRow, SummaryTotals } from './summary.js';

interface Column {
  title: string;
  align: 'left' | 'right';
  cell: (row: SummaryRow) => string;
}

const columns: Column[] = [
  { title: 'Layer', align: 'left', cell: (row) => `${'  '.repeat(row.depth)}${row.layer}` },
  {
    title: 'Line',
    align: 'right',
    cell: (row) => (row.line === undefined ? '' : String(row.line)),
  },
  { title: 'Block path', align: 'left', cell: (row) => row.path },
  {
    title: 'Output shape',
    align: 'left',
    cell: (row) => (row.shape ? formatShape(row.shape) : '?'),
  },
  { title: 'Params', align: 'right', cell: (row) => formatCount(row.params) },
  { title: 'MACs', align: 'right', cell: (row) => formatCount(row.macs) },
  { title: 'Activation bytes', align: 'right', cell: (row) => formatCount(row.activationBytes) },
];

function pad(text: string, width: number, align: 'left' | 'right'): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

function renderTable(rows: readonly SummaryRow[]): string[] {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  // A reduce, not Math.max(...cells): spreading 100,000 rows overflows the stack.
  const widths = columns.map((column, idx) =>
    cells.reduce((widest, line) => Math.max(widest, line[idx].length), column.title.length),
  );
  const line = (values: string[]) =>
    values
      .map((value, idx) => pad(value, widths[idx], columns[idx].align))
      .join('  ')
      .trimEnd();
  const rule = '─'.repeat(widths.reduce((acc, width) => acc + width, 0) + 2 * (widths.length - 1));
  return [rule, line(columns.map((column) => column.title)), rule, ...cells.map(line), rule];
}

/** `1.814 G`, `61.7 M`, `3.1 K`: a short magnitude beside an exact count. */
export function formatMagnitude(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  const unit = units.find(([scale]) => value >= scale);
  return unit ? `${(value / unit[0]).toFixed(3)} ${unit[1]}` : String(value);
}

function bytes(value: number): string {
  return `${formatCount(value)} B (${(value / 1e6).toFixed(2)} MB)`;
}

function renderTotals(totals: SummaryTotals, batch: number): string[] {
  const entries: [string, string][] = [
    ['Trainable parameters', formatCount(totals.trainableParams)],
    ['Non-trainable buffers', formatCount(totals.nonTrainableBuffers)],
    ['Parameters + buffers', formatCount(totals.paramsAndBuffers)],
    ['MACs per sample', `${formatCount(totals.macs)} (${formatMagnitude(totals.macs)})`],
    [
      '  of which conv + linear',
      `${formatCount(totals.convLinearMacs)} (${formatMagnitude(totals.convLinearMacs)})`,
    ],
    [
      'FLOPs per sample (2 × MACs)',
      `${formatCount(totals.flops)} (${formatMagnitude(totals.flops)})`,
    ],
    ['Input per sample', bytes(totals.inputBytes)],
    ['Forward activations per sample', bytes(totals.activationBytes)],
    ['Training memory per sample', bytes(totals.trainingBytesPerSample)],
    ['Model state (weights, grads, Adam)', bytes(totals.modelStateBytes)],
  ];
  if (batch > 1) {
    entries.push(
      [
        `MACs for batch ${batch}`,
        `${formatCount(totals.macsBatch)} (${formatMagnitude(totals.macsBatch)})`,
      ],
      [`Forward activations, batch ${batch}`, bytes(totals.activationBytesBatch)],
      [`Training memory, batch ${batch}`, bytes(totals.trainingBytesBatch)],
    );
  }
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

/**
 * Renders `summary` as text: a heading, the layer table (trainable parameters per layer; buffers
 * appear in the totals only) and the totals, ending with a newline.
 */
export function renderSummaryText(summary: ModelSummary): string {
  const heading = `Model ${summary.model} (batch ${summary.batch}; shapes and counts per sample)`;
  const lines = [
    heading,
    ...renderTable(summary.rows),
    ...renderTotals(summary.totals, summary.batch),
  ];
  return `${lines.join('\n')}\n`;
}
