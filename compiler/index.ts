// The compiler's public API, for tools that embed cnnc (the CLI and the language server use the
// same functions).
export { compileSource, type CompileResult, type SourceHost } from './compile.js';
export { formatSource, type FormatResult } from './format/format.js';
export { summarizeModel, type ModelSummary } from './analysis/summary.js';
export { summaryToJson } from './analysis/summary-json.js';
export { renderSummaryText } from './analysis/summary-text.js';
export { catalog } from './diagnostics/catalog.js';
export type { Diagnostic, Span, Severity } from './diagnostics/diagnostic.js';
export { renderTerminal } from './diagnostics/render-terminal.js';
export { renderJson } from './diagnostics/render-json.js';
export { toLspDiagnostics } from './diagnostics/render-lsp.js';
export type { Program, ModelGraph, GraphNode, Shape } from './ir/graph.js';
export { layers, lookupLayer } from './layers/registry.js';
export { loadTrainingData } from '../trainer/io/data/load.js';
export type { Dataset, DataSplit } from '../trainer/core/data/dataset.js';
