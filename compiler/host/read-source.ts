// Reads model files for the CLI, the language server and the trainer, turning every way a file can
// be unreadable into one clear message: missing files and directories are usage errors (exit 2);
// binary, non-UTF-8 and oversized files are diagnostics (exit 1).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import {
  MAX_SOURCE_BYTES,
  checkSourceSize,
  decodeSource,
  type ReadResult,
} from '../source-checks.js';

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
