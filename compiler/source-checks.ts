// The checks a model source passes before it is compiled, as pure functions of its bytes, so the
// CLI (which reads files) and the language server (which gets text from the editor) refuse the
// same sources with the same diagnostics: over 1 MB (CNN1023), binary (CNN1022), not UTF-8
// (CNN1021). The CLI's file reading (special files, errors) stays in host/read-source.ts.
import { MAX_SOURCE_BYTES, decodeSource, type ReadResult } from './host/read-source.js';
import { diagnostic } from './diagnostics/catalog.js';
import type { Diagnostic } from './diagnostics/diagnostic.js';

/** The CNN1023 diagnostic for a source of `size` bytes, or undefined when it is small enough. */
export function checkSourceSize(
  path: string,
  size: number,
  maxBytes = MAX_SOURCE_BYTES,
): Diagnostic | undefined {
  if (size <= maxBytes) return undefined;
  // "over 1.0 MB" when the rounded size reads the same as the limit.
  const over = formatBytes(size) === formatBytes(maxBytes) ? 'over ' : '';
  return diagnostic(
    'CNN1023',
    { file: path, start: 0, end: 0 },
    `\`${path}\` is ${over}${formatBytes(size)}; model files may be at most ${formatBytes(maxBytes)}`,
  );
}

/** Checks and decodes the bytes of a source as `cnnc check` does after reading them. */
export function checkSourceBytes(
  path: string,
  bytes: Uint8Array,
  maxBytes = MAX_SOURCE_BYTES,
): ReadResult {
  const tooLarge = checkSourceSize(path, bytes.length, maxBytes);
  if (tooLarge) return { kind: 'diagnostic', diagnostic: tooLarge };
  return decodeSource(path, bytes);
}

/**
 * Checks an editor's text as if it had been saved (UTF-8) and read by `cnnc check`: the
 * diagnostic that refuses it, or undefined when it may be compiled.
 */
export function checkSourceText(
  path: string,
  text: string,
  maxBytes = MAX_SOURCE_BYTES,
): Diagnostic | undefined {
  // Sizes above the limit are refused before encoding, so a huge document is never copied.
  if (text.length > maxBytes) return checkSourceSize(path, Buffer.byteLength(text), maxBytes);
  const checked = checkSourceBytes(path, Buffer.from(text, 'utf8'), maxBytes);
  return checked.kind === 'diagnostic' ? checked.diagnostic : undefined;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
