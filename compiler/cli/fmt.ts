// `cnnc fmt FILE… [--check]`: rewrite files in the canonical layout.
import { writeFileSync } from 'node:fs';
import { formatSource } from '../format/format.js';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import type { Io } from '../host/io.js';
import { errorReason as reason, readSource } from '../host/read-source.js';

export function runFmt(files: string[], options: { check: boolean }, io: Io): number {
  let exitCode = 0;
  for (const file of files) {
    const read = readSource(file);
    if (read.kind === 'usage') {
      io.err(`error: ${read.message}`);
      exitCode = 2;
      continue;
    }
    if (read.kind === 'diagnostic') {
      io.err(`error[${read.diagnostic.code}]: ${read.diagnostic.message}`);
      exitCode = Math.max(exitCode, 1);
      continue;
    }
    const formatted = formatSource(read.text, file);
    if (!formatted.ok) {
      io.err(
        renderTerminal(formatted.diagnostics, () => read.text, {
          color: io.color,
          files: [file],
        }).trimEnd(),
      );
      exitCode = Math.max(exitCode, 1);
      continue;
    }
    if (formatted.text === read.text) continue;
    if (options.check) {
      io.out(`${file}: not formatted`);
      exitCode = Math.max(exitCode, 1);
    } else {
      try {
        writeFileSync(file, formatted.text);
      } catch (error) {
        io.err(`error: cannot write \`${file}\`: ${reason(error)}`);
        exitCode = 2;
        continue;
      }
      io.out(`formatted ${file}`);
    }
  }
  return exitCode;
}
