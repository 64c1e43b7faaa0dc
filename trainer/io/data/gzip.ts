// Reading a data file that may be gzip-compressed: the MNIST family ships as `.gz`, and Debian's
// `dataset-fashion-mnist` installs the compressed files unchanged. Inflation is capped: a caller
// that knows the size the contents declare (an IDX header) passes it, so a small archive that
// inflates to gigabytes (a "zip bomb") is refused after at most that many bytes.
import { gunzipSync } from 'node:zlib';
import { constants as zlibConstants } from 'node:zlib';
import { trainFail } from '../../core/errors.js';
import { MAX_DATA_FILE_BYTES, readDataFile } from './read-file.js';

/**
 * The size the contents declare, from their first bytes: a number of bytes, `undefined` when
 * `prefix` is too short to tell, or a message when the header itself is unacceptable.
 */
export type DeclaredSize = (prefix: Uint8Array) => number | string | undefined;

/** How many compressed bytes are inflated, in turn, to read the header of the contents. */
const PREFIX_STEPS = [256, 1024, 4096];

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads `path`, gunzipping it when it starts with the gzip magic bytes `1f 8b` (whatever its name).
 * Inflation stops past the size `declared` reads from the contents' header (or past
 * `MAX_DATA_FILE_BYTES`). A damaged or truncated archive becomes a `TrainError` naming the file.
 */
export function readMaybeGzip(path: string, declared?: DeclaredSize): Uint8Array {
  const bytes = readDataFile(path);
  if (!isGzip(bytes)) {
    if (path.endsWith('.gz')) trainFail(`${path}: not a gzip file (no 1f 8b magic bytes)`);
    return bytes;
  }
  const limit = inflationLimit(path, bytes, declared);
  try {
    const inflated = gunzipSync(bytes, { maxOutputLength: limit + 1 });
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      return trainFail(
        `${path}: inflates to more than the ${limit} bytes its header declares; refusing it`,
      );
    return trainFail(`${path}: damaged gzip data (${(error as Error).message})`);
  }
}

/** The most bytes `bytes` may inflate to: what its header declares, else the file size cap. */
function inflationLimit(path: string, bytes: Uint8Array, declared?: DeclaredSize): number {
  if (!declared) return MAX_DATA_FILE_BYTES;
  for (const step of PREFIX_STEPS) {
    const prefix = inflatePrefix(bytes.subarray(0, step));
    const size = declared(prefix);
    if (typeof size === 'string') return trainFail(`${path}: ${size}`);
    if (size !== undefined) return Math.min(size, MAX_DATA_FILE_BYTES);
    if (step >= bytes.length) break;
  }
  return MAX_DATA_FILE_BYTES;
}

/** Whatever the first compressed bytes inflate to (a truncated stream is not an error here). */
function inflatePrefix(compressed: Uint8Array): Uint8Array {
  try {
    return gunzipSync(compressed, {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
      // 4 KB of deflate data inflate to at most about 4.2 MB.
      maxOutputLength: 8 << 20,
    });
  } catch {
    // Not inflatable: the full inflation reports why.
    return new Uint8Array(0);
  }
}
