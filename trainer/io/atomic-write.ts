// Crash-safe file replacement: write a temporary file in the same directory, flush it to disk, then
// rename it over the target. POSIX `rename` is atomic within a file system, so a reader (or a run
// killed at any instant) sees either the old complete file or the new complete file, never a mix.
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** The temporary name `atomicWrite` uses for `path`; a killed writer may leave this file behind. */
export function tempPathFor(path: string): string {
  return `${path}.tmp`;
}

/** Writes all of `bytes` to a new file at `path` and flushes it to the disk before returning. */
function writeDurably(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (the renames) to disk; not possible on every platform. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // NOTE: Windows cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Keeps the current `path` as `previousPath`: a hard link (or, where links fail, a durable copy)
 * made under a temporary name and renamed into place, so `path` itself never disappears.
 */
export function preserveAsPrevious(path: string, previousPath: string): void {
  const staging = tempPathFor(previousPath);
  rmSync(staging, { force: true });
  try {
    linkSync(path, staging);
  } catch {
    copyFileSync(path, staging);
    const fd = openSync(staging, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  renameSync(staging, previousPath);
}

/**
 * Replaces `path` with `bytes` atomically: writes `path.tmp`, fsyncs it, renames it over `path`
 * and fsyncs the directory. Creates the directory if needed. A stale `path.tmp` from a killed
 * writer is simply overwritten. Throws Node's system errors (the caller turns them into one line).
 */
export function atomicWrite(path: string, bytes: Uint8Array): void {
  const directory = dirname(path);
  if (!existsSync(directory)) mkdirSync(directory, { recursive: true });
  const temp = tempPathFor(path);
  writeDurably(temp, bytes);
  renameSync(temp, path);
  syncDirectory(directory);
}
