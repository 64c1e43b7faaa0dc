// `cnnc check FILE…`: compile each file and report every diagnostic.
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderJson } from '../diagnostics/render-json.js';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import { compileFile } from '../host/compile-file.js';
import type { Io } from '../host/io.js';

// compileFile moved to compiler/host/ (the trainer uses it too); the CLI's commands import it here.
export { compileFile };

export interface CheckOptions {
  format: 'text' | 'json';
  denyWarnings: boolean;
  /** Size limit for model files (tests lower it; the CLI uses the default). */
  maxSourceBytes?: number;
}

export function runCheck(files: string[], options: CheckOptions, io: Io): number {
  const diagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  let usageFailed = false;
  for (const file of files) {
    const compiled = compileFile(file, options.maxSourceBytes);
    if (compiled.usage) {
      io.err(`error: ${compiled.usage}`);
      usageFailed = true;
    } else if (compiled.fileDiagnostic) {
      const d = compiled.fileDiagnostic;
      if (options.format === 'text') io.err(`error[${d.code}]: ${d.message}`);
      diagnostics.push(d);
    } else if (compiled.result) {
      for (const d of compiled.result.diagnostics) diagnostics.push(d);
      for (const [path, text] of compiled.result.texts) texts.set(path, text);
    }
  }
  const promoted = options.denyWarnings
    ? diagnostics.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' as const } : d))
    : diagnostics;
  const shown = promoted.filter((d) => texts.has(d.span.file) || options.format === 'json');
  if (options.format === 'json') io.out(renderJson(promoted, (file) => texts.get(file)).trimEnd());
  else if (shown.length > 0)
    io.err(renderTerminal(shown, (file) => texts.get(file), { color: io.color, files }).trimEnd());
  if (usageFailed) return 2;
  return promoted.some((d) => d.severity === 'error') ? 1 : 0;
}
