// Reads model files for the CLI, turning every way a file can be unreadable into one clear
// message: missing files and directories are usage errors (exit 2); binary, non-UTF-8 and
// oversized files are diagnostics (exit 1).
import { readFileSync, statSync } from 'node:fs';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/** Model files larger than this are refused: real ones are a few kilobytes. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export type ReadResult =
  | { kind: 'ok'; text: string }
  | { kind: 'usage'; message: string }
  | { kind: 'diagnostic'; diagnostic: Diagnostic };

export function readSource(path: string, maxBytes = MAX_SOURCE_BYTES): ReadResult {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory())
      return { kind: 'usage', message: `\`${path}\` is a directory; pass .cnn files` };
    size = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code);
    return { kind: 'usage', message: `cannot read \`${path}\`: ${reason}` };
  }
  const span = { file: path, start: 0, end: 0 };
  if (size > maxBytes) {
    return {
      kind: 'diagnostic',
      diagnostic: diagnostic(
        'CNN1023',
        span,
        `\`${path}\` is ${formatBytes(size)}; model files may be at most ${formatBytes(maxBytes)}`,
      ),
    };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return {
      kind: 'usage',
      message: `cannot read \`${path}\`: ${(error as NodeJS.ErrnoException).code}`,
    };
  }
  return decodeSource(path, bytes);
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

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
