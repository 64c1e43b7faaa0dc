// The checks a model source passes before it is compiled, as pure functions of its bytes, so the
// CLI (which reads files) and the language server (which gets text from the editor) refuse the
// same sources with the same diagnostics: over 1 MB (CNN1023), binary (CNN1022), not UTF-8
// (CNN1021). The CLI's file reading (special files, errors) stays in host/read-source.ts.
import { diagnostic } from './diagnostics/catalog.js';
import type { Diagnostic } from './diagnostics/diagnostic.js';

/** Model files larger than this are refused: real ones are a few kilobytes. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export type ReadResult =
  | { kind: 'ok'; text: string }
  | { kind: 'usage'; message: string }
  | { kind: 'diagnostic'; diagnostic: Diagnostic };

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

/** Decodes bytes as UTF-8 text, refusing binary data (a NUL byte) and invalid UTF-8. */
export function decodeSource(path: string, bytes: Uint8Array): ReadResult {
  const span = { file: path, start: 0, end: 0 };
  if (bytes.subarray(0, 8192).includes(0))
    return {
      kind: 'diagnostic',
      diagnostic: diagnostic('CNN1022', span, `\`${path}\` is a binary file, not a model`),
    };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { kind: 'ok', text: text.startsWith('\uFEFF') ? text.slice(1) : text };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    return {
      kind: 'diagnostic',
      diagnostic: diagnostic(
        'CNN1021',
        span,
        `\`${path}\` is not valid UTF-8 (first bad byte at offset ${offset})`,
        {
          hints: ['save the file as UTF-8'],
        },
      ),
    };
  }
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let idx = 0;
  while (idx < bytes.length) {
    const lead = bytes[idx];
    const length =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (length === 0 || idx + length > bytes.length) return idx;
    for (let k = 1; k < length; k++) if ((bytes[idx + k] & 0xc0) !== 0x80) return idx;
    idx += length;
  }
  return idx;
}
