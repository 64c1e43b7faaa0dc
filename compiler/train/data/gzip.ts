// Reading a data file that may be gzip-compressed: the MNIST family ships as `.gz`, and Debian's
// `dataset-fashion-mnist` installs the compressed files unchanged.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { trainFail } from '../errors.js';

/**
 * Reads `path`, gunzipping it when it starts with the gzip magic bytes `1f 8b` (whatever its name).
 * A damaged or truncated archive becomes a `TrainError` naming the file and zlib's reason.
 */
export function readMaybeGzip(path: string): Uint8Array {
  const bytes = readFileSync(path);
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!isGzip) {
    if (path.endsWith('.gz')) trainFail(`${path}: not a gzip file (no 1f 8b magic bytes)`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  try {
    const inflated = gunzipSync(bytes);
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  } catch (error) {
    return trainFail(`${path}: damaged gzip data (${(error as Error).message})`);
  }
}
