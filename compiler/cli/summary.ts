// `cnnc summary FILE [--model NAME] [--batch N] [--json]`: per-layer shapes, parameters, MACs
// and memory of each model, like torchinfo.
import { hasInexactCounts, summarizeModel } from '../analysis/summary.js';
import { summaryToJson } from '../analysis/summary-json.js';
import { renderSummaryText } from '../analysis/summary-text.js';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import { suggest } from '../util/edit-distance.js';
import { compileFile } from './check.js';
import type { Io } from '../host/io.js';

export interface SummaryCliOptions {
  model?: string;
  batch: string;
  json: boolean;
}

/** The largest `--batch`: far beyond any real batch, and batch totals stay exact below it. */
export const MAX_BATCH = 1_000_000;

/** A flag's value as a whole number from 1 to `max` written in decimal digits, or undefined. */
export function positiveInteger(text: string, max: number): number | undefined {
  if (!/^[0-9]{1,16}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return value >= 1 && value <= max ? value : undefined;
}

export function runSummary(file: string, options: SummaryCliOptions, io: Io): number {
  const batch = positiveInteger(options.batch, MAX_BATCH);
  if (batch === undefined) {
    io.err(
      `error: --batch must be a whole number from 1 to ${MAX_BATCH.toLocaleString('en-US')}, found \`${oneLine(options.batch)}\``,
    );
    return 2;
  }
  const compiled = compileFile(file);
  if (compiled.usage) {
    io.err(`error: ${compiled.usage}`);
    return 2;
  }
  if (compiled.fileDiagnostic) {
    io.err(`error[${compiled.fileDiagnostic.code}]: ${compiled.fileDiagnostic.message}`);
    return 1;
  }
  const result = compiled.result!;
  const sources = (f: string): string | undefined => result.texts.get(f);
  if (result.diagnostics.some((d) => d.severity === 'error')) {
    io.err(
      renderTerminal(result.diagnostics, sources, { color: io.color, files: [file] }).trimEnd(),
    );
    return 1;
  }
  let models = result.program.models;
  if (options.model !== undefined) {
    models = models.filter((m) => m.name === options.model);
    if (models.length === 0) {
      const names = result.program.models.map((m) => m.name);
      const guess = suggest(options.model, names);
      const hint = guess
        ? `; did you mean \`${guess}\`?`
        : `; models: ${names.join(', ') || 'none'}`;
      io.err(`error: \`${file}\` has no model \`${options.model}\`${hint}`);
      return 2;
    }
  }
  if (models.length === 0) {
    io.err(`error: \`${file}\` defines no model`);
    return 1;
  }
  const summaries = models.map((model) => summarizeModel(model, { batch, sources }));
  for (const summary of summaries.filter(hasInexactCounts))
    io.err(
      `warning: counts of model \`${summary.model}\` pass 2^53 - 1 = 9,007,199,254,740,991 and are rounded, not exact to the digit`,
    );
  if (options.json) {
    const json = summaries.map(summaryToJson);
    io.out(JSON.stringify(json.length === 1 ? json[0] : json, null, 2));
  } else io.out(summaries.map(renderSummaryText).join('\n\n').trimEnd());
  return 0;
}

/** A user-given value shown in one line, shortened: a flag may hold anything. */
export function oneLine(text: string): string {
  const flat = JSON.stringify(text).slice(1, -1);
  return flat.length > 40 ? `${flat.slice(0, 40)}…` : flat;
}
