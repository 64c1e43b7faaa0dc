// Reads model files for the CLI, turning every way a file can be unreadable into one clear
// message: missing files and directories are usage errors (exit 2); binary, non-UTF-8 and
// oversized files are diagnostics (exit 1).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { diagnostic } from '../diagnostics/catalog.js';
import { checkSourceSize } from '../source-checks.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/** Model files larger than this are refused: real ones are a few kilobytes. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export type ReadResult =
  | { kind: 'ok'; text: string }
  | { kind: 'usage'; message: string }
  | { kind: 'diagnostic'; diagnostic: Diagnostic };

/**
 * Reads a model file. Only regular files are read: the file is opened without blocking (a FIFO
 * would otherwise wait for a writer), checked with fstat on the open descriptor, and read up to
 * the size limit, so `/dev/zero`, `/dev/urandom` or a file that grows while it is read never
 * make cnnc read without end.
 */
export function readSource(path: string, maxBytes = MAX_SOURCE_BYTES): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { kind: 'usage', message: `cannot read \`${path}\`: ${errorReason(error)}` };
  }
  try {
    return readOpened(path, fd, maxBytes);
  } catch (error) {
    return { kind: 'usage', message: `cannot read \`${path}\`: ${errorReason(error)}` };
  } finally {
    closeSync(fd);
  }
}

function readOpened(path: string, fd: number, maxBytes: number): ReadResult {
  const stats = fstatSync(fd);
  if (stats.isDirectory())
    return { kind: 'usage', message: `\`${path}\` is a directory; pass .cnn files` };
  if (!stats.isFile())
    return {
      kind: 'usage',
      message: `\`${path}\` is not a regular file (a device, FIFO or socket); pass .cnn files`,
    };
  if (stats.size > maxBytes) return tooLarge(path, stats.size, maxBytes);
  // Read one byte more than allowed: a file that grew since fstat is caught here.
  const buffer = Buffer.alloc(maxBytes + 1);
  let length = 0;
  while (length < buffer.length) {
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
  }
  if (length > maxBytes) return tooLarge(path, length, maxBytes);
  return decodeSource(path, buffer.subarray(0, length));
}

function tooLarge(path: string, size: number, maxBytes: number): ReadResult {
  // The language server reports the same diagnostic for an open document (compiler/source-checks.ts).
  const found = checkSourceSize(path, size, maxBytes);
  if (!found) throw new Error(`tooLarge: ${size} bytes is within ${maxBytes}`);
  return { kind: 'diagnostic', diagnostic: found };
}

/** A file-system error in words, for one-line messages. */
export function errorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    EEXIST: 'a file is in the way',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
    ENXIO: 'no such device',
  };
  if (code) return words[code] ?? code;
  return error instanceof Error ? error.message : String(error);
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
