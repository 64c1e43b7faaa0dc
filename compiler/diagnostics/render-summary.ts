// The counts and the closing line of a report, shared by the terminal and JSON renderers so both
// always agree on how many errors and warnings a run produced.
import type { Diagnostic, Severity } from './diagnostic.js';

/** How many diagnostics of each severity a report holds. */
export interface SeverityCounts {
  errors: number;
  warnings: number;
  infos: number;
}

/** Counts `diagnostics` by severity. */
export function countBySeverity(diagnostics: readonly Diagnostic[]): SeverityCounts {
  const counts: SeverityCounts = { errors: 0, warnings: 0, infos: 0 };
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'error') counts.errors++;
    else if (diagnostic.severity === 'warning') counts.warnings++;
    else counts.infos++;
  }
  return counts;
}

/** The closing line of a report, split into its severity and its text. */
export interface Summary {
  severity: Severity;
  text: string;
}

/**
 * The closing line for `diagnostics`, or `undefined` when there are none:
 *
 * - errors: "could not check `a.cnn`: 2 errors, 1 warning emitted"
 * - warnings or infos only: "checked `a.cnn`: 1 warning emitted"
 *
 * `files` names what was checked; it defaults to the files of the primary spans. One or two files
 * are named, more are counted ("3 files").
 */
export function summarize(
  diagnostics: readonly Diagnostic[],
  files?: readonly string[],
): Summary | undefined {
  if (diagnostics.length === 0) return undefined;
  const counts = countBySeverity(diagnostics);
  const parts = [
    plural(counts.errors, 'error', 'errors'),
    plural(counts.warnings, 'warning', 'warnings'),
    plural(counts.infos, 'info message', 'info messages'),
  ].filter((part) => part !== '');
  const subject = describeFiles(files ?? diagnostics.map((d) => d.span.file));
  const tally = `${parts.join(', ')} emitted`;
  if (counts.errors > 0) return { severity: 'error', text: `could not check ${subject}: ${tally}` };
  const severity: Severity = counts.warnings > 0 ? 'warning' : 'info';
  return { severity, text: `checked ${subject}: ${tally}` };
}

function plural(count: number, one: string, many: string): string {
  if (count === 0) return '';
  return `${count} ${count === 1 ? one : many}`;
}

function describeFiles(files: readonly string[]): string {
  const distinct = [...new Set(files)].sort();
  if (distinct.length === 0) return 'the input';
  if (distinct.length > 2) return `${distinct.length} files`;
  return distinct.map((file) => `\`${file}\``).join(' and ');
}
