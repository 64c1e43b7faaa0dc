// Reading and compiling one model file from disk, as `cnnc check`, `cnnc build` and `cnnc train`
// do: the file is read by readSource (special files, size limit, UTF-8) and its imports through
// the file-system SourceHost.
import { compileSource, type CompileResult } from '../compile.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { fileSystemHost } from './host.js';
import { readSource } from './read-source.js';

/** Compiles a file from disk; usage problems come back as a message (exit 2). */
export function compileFile(
  path: string,
  maxBytes?: number,
): {
  result?: CompileResult;
  usage?: string;
  fileDiagnostic?: Diagnostic;
} {
  const read = readSource(path, maxBytes);
  if (read.kind === 'usage') return { usage: read.message };
  if (read.kind === 'diagnostic') return { fileDiagnostic: read.diagnostic };
  return { result: compileSource(path, read.text, fileSystemHost) };
}
