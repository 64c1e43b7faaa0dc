// `cnnc build FILE`: check a model file, optimise and emit one TypeScript (or JavaScript) module per
// model into the output directory. Exit codes as `cnnc check`: 0 built, 1 errors, 2 usage.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import { buildModel, tracer, type BuiltModule } from '../emit/build-module.js';
import type { ConvChoice, PassNote } from '../passes/pass.js';
import { findPass, type OptLevel } from '../passes/registry.js';
import { printIr } from '../passes/print-ir.js';
import { wasmTarget } from '../emit/wasm/target.js';
import { compileFile } from './check.js';
import type { Io } from './io.js';

/** Options of `cnnc build`, as commander parses them. */
export interface BuildCliOptions {
  out: string;
  model?: string;
  target: 'node' | 'browser' | 'wasm';
  emit: 'ts' | 'js';
  optLevel: string;
  conv: ConvChoice;
  printIrAfter?: string;
  explainOpt: boolean;
  runtime?: string;
}

function sourceName(file: string): string {
  return relative(process.cwd(), file).split('\\').join('/') || file;
}

/** Renders `--explain-opt`: each note with its source line, then totals. */
export function explainNotes(
  notes: readonly PassNote[],
  trace: (file: string, offset: number) => string,
): string {
  const lines = notes.map((n) => `${n.pass}: ${trace(n.span.file, n.span.start)}: ${n.message}`);
  const kernels = notes.reduce((acc, n) => acc + n.kernelsSaved, 0);
  const bytes = notes
    .filter((n) => n.pass !== 'plan-memory')
    .reduce((acc, n) => acc + n.bytesSaved, 0);
  lines.push(
    `total: ${kernels} kernel launches saved per call, ${bytes} intermediate bytes per sample not written`,
  );
  return lines.join('\n');
}

function outputName(file: string, model: string, count: number, emit: 'ts' | 'js'): string {
  const stem = basename(file)
    .replace(/\.cnn$/, '')
    .replace(/[^A-Za-z0-9_-]/g, '_');
  return `${count > 1 ? `${stem}-${model.toLowerCase()}` : stem}.${emit}`;
}

/** Runs `cnnc build`; returns the exit code. */
export async function runBuild(file: string, options: BuildCliOptions, io: Io): Promise<number> {
  const level = Number(options.optLevel) as OptLevel;
  if (![0, 1, 2].includes(level)) return usage(io, `-O takes 0, 1 or 2, found ${options.optLevel}`);
  if (options.printIrAfter && options.printIrAfter !== 'all' && !findPass(options.printIrAfter))
    return usage(io, `unknown pass \`${options.printIrAfter}\` for --print-ir-after`);
  const compiled = compileFile(file);
  if (compiled.usage) return usage(io, compiled.usage);
  if (!compiled.result) return 1;
  const { program, texts } = compiled.result;
  const diagnostics: Diagnostic[] = [...compiled.result.diagnostics];
  const render = () =>
    diagnostics.length > 0 &&
    io.err(
      renderTerminal(diagnostics, (f) => texts.get(f), {
        color: io.color,
        files: [file],
      }).trimEnd(),
    );
  if (diagnostics.some((d) => d.severity === 'error')) return (void render(), 1);
  const models = program.models.filter((m) => !options.model || m.name === options.model);
  if (models.length === 0)
    return usage(
      io,
      options.model ? `no model \`${options.model}\` in ${file}` : `no model in ${file}`,
    );
  const trace = tracer(texts, sourceName);
  const built: BuiltModule[] = [];
  for (const model of models) {
    const result = await buildModel(model, {
      level,
      conv: options.conv,
      emit: options.emit,
      source: sourceName(file),
      texts,
      train: program.train.find((config) => config.model === model.name),
      // `wasm` is cnnc's own WebAssembly target (Node); `node`/`browser` pick gpu.js's mode.
      ...(options.target === 'wasm' ? { target: wasmTarget } : { platform: options.target }),
      ...(options.runtime ? { runtimeModule: options.runtime } : {}),
      after: (pass, graph) => {
        if (options.printIrAfter === 'all' || options.printIrAfter === pass.name)
          io.out(`; after ${pass.name}\n${printIr(graph, (span) => trace(span.file, span.start))}`);
      },
    });
    diagnostics.push(...result.diagnostics);
    built.push(result);
  }
  render();
  if (diagnostics.some((d) => d.severity === 'error')) return 1;
  mkdirSync(options.out, { recursive: true });
  for (const result of built) {
    const path = join(options.out, outputName(file, result.model, built.length, options.emit));
    writeFileSync(path, result.code);
    if (options.explainOpt) io.out(`${result.model}:\n${explainNotes(result.notes, trace)}`);
    io.err(`built ${result.model} → ${path}`);
  }
  return 0;
}

function usage(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 2;
}
