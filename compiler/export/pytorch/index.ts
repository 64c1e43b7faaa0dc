// `cnnc build --emit pytorch`: a checked model as two Python files, the `nn.Module` whose
// `state_dict` keys are cnnc's tensor names and a `train_ddp.py` for torchrun. Pure: it returns
// the files' names and texts with diagnostics; the CLI writes them. See docs/export-pytorch.md.
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import type { ModelGraph, TrainConfig } from '../../ir/graph.js';
import { moduleFile } from './module-file.js';
import { PYTHON_KEYWORDS } from './python.js';
import { trainScript } from './train-script.js';

export interface PytorchExportOptions {
  /** The `.cnn` file as the user named it (written only inside escaped comments). */
  source: string;
  /** `file:line:col` of a span. */
  trace: (span: Span) => string;
  train: TrainConfig | undefined;
  /** The Python module name of the model file (a safe identifier; see {@link pythonModuleName}). */
  moduleName: string;
}

export interface PytorchExport {
  /** File name (no directory) and text of each file; empty when there are errors. */
  files: { name: string; text: string }[];
  diagnostics: Diagnostic[];
}

/**
 * The Python module name for the model file of `model` in `file`: the file's stem (plus the
 * model's name when the file has several), with anything outside `[A-Za-z0-9_]` turned into `_`,
 * so that `import` can name it.
 */
export function pythonModuleName(file: string, model: string, count: number): string {
  const stem = (file.split(/[\\/]/).pop() ?? file).replace(/\.cnn$/, '');
  const name = (count > 1 ? `${stem}_${model.toLowerCase()}` : stem).replace(/[^A-Za-z0-9_]/g, '_');
  const safe = /^[A-Za-z_]/.test(name) ? name : `m_${name}`;
  return PYTHON_KEYWORDS.has(safe) ? `${safe}_` : safe;
}

/** Exports `model`: `<moduleName>.py` and `train_ddp.py` (`train_ddp_<moduleName>.py` for several). */
export function exportPytorch(
  model: ModelGraph,
  options: PytorchExportOptions,
  scriptName = 'train_ddp.py',
): PytorchExport {
  const module = moduleFile(model, { source: options.source, trace: options.trace });
  if (module.diagnostics.some((d) => d.severity === 'error'))
    return { files: [], diagnostics: module.diagnostics };
  const script = trainScript({
    source: options.source,
    moduleName: options.moduleName,
    modelName: model.name,
    train: options.train,
    ...(options.train ? { trace: options.trace(options.train.span) } : {}),
  });
  return {
    files: [
      { name: `${options.moduleName}.py`, text: module.text },
      { name: scriptName, text: script },
    ],
    diagnostics: module.diagnostics,
  };
}
