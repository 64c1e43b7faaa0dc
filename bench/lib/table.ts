// Markdown tables for the benchmark report, padded so that they also read well in a terminal.

/** A Markdown table: a header row, a separator (`---:` for right-aligned columns) and the rows. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly number[] = [],
): string {
  for (const row of rows) {
    if (row.length !== headers.length) {
      throw new Error(`a row has ${row.length} cells for ${headers.length} columns`);
    }
  }
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const cells = [headers, ...rows].map((row) => row.map(escape));
  const widths = headers.map((_, col) => Math.max(3, ...cells.map((row) => [...row[col]].length)));
  const pad = (cell: string, col: number) => {
    const fill = ' '.repeat(widths[col] - [...cell].length);
    return rightAligned.includes(col) ? fill + cell : cell + fill;
  };
  const line = (row: readonly string[]) => `| ${row.map(pad).join(' | ')} |`;
  const separator = widths.map((width, col) =>
    rightAligned.includes(col) ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
  );
  return [line(cells[0]), `| ${separator.join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** A duration for a table cell: `141 ms`, `5.21 s`, `0.482 ms`. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** Bytes as MB (10^6), for memory columns. */
export function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
}
