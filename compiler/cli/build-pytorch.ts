// `cnnc build --emit pytorch`: writes each model's PyTorch module file and its `train_ddp.py`
// (compiler/export/pytorch/ makes the texts; this file only renders diagnostics and writes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import { tracer } from '../emit/build-module.js';
import { exportPytorch, pythonModuleName } from '../export/pytorch/index.js';
import type { CompileResult } from '../compile.js';
import type { ModelGraph } from '../ir/graph.js';
import type { Io } from '../host/io.js';

/** Exports `models` of `compiled` into `out`; returns the exit code (0, or 1 on errors). */
export function runPytorchExport(
  file: string,
  source: string,
  compiled: CompileResult,
  models: ModelGraph[],
  out: string,
  io: Io,
): number {
  const trace = tracer(compiled.texts, () => source);
  const diagnostics: Diagnostic[] = [];
  const files: { name: string; text: string; model: string }[] = [];
  for (const model of models) {
    const count = compiled.program.models.length;
    const moduleName = pythonModuleName(file, model.name, count);
    const result = exportPytorch(
      model,
      {
        source,
        trace: (span) => trace(span.file, span.start),
        train: compiled.program.train.find((config) => config.model === model.name),
        moduleName,
      },
      count > 1 ? `train_ddp_${moduleName}.py` : 'train_ddp.py',
    );
    diagnostics.push(...result.diagnostics);
    files.push(...result.files.map((entry) => ({ ...entry, model: model.name })));
  }
  if (diagnostics.length > 0) {
    const render = (f: string) => compiled.texts.get(f);
    io.err(renderTerminal(diagnostics, render, { color: io.color, files: [file] }).trimEnd());
  }
  if (diagnostics.some((d) => d.severity === 'error')) return 1;
  mkdirSync(out, { recursive: true });
  for (const entry of files) {
    const path = join(out, entry.name);
    writeFileSync(path, entry.text);
    io.err(`exported ${entry.model} → ${path}`);
  }
  return 0;
}
