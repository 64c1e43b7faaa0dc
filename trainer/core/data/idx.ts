// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// header of magic `00 00 08 ndim` (type 0x08 = unsigned byte), then `ndim` 32-bit big-endian sizes,
// then the bytes row-major. Images are `0x00000803` ([count, rows, cols]), labels `0x00000801`.
import { trainFail } from '../errors.js';

/** A parsed IDX file: its dimensions and raw unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** IDX files declaring more data than this are refused (Fashion-MNIST's largest is 47 MB). */
export const MAX_IDX_DATA_BYTES = 2 ** 30;

/**
 * Reads the header of an unsigned-byte IDX file with `expectedDims` dimensions: its dimensions and
 * length. Fails (with `path` in the message) on a short header, a wrong magic number, another
 * element type, or a declared size over `MAX_IDX_DATA_BYTES`.
 */
export function parseIdxHeader(
  bytes: Uint8Array,
  expectedDims: number,
  path: string,
): { dims: number[]; headerLength: number; dataBytes: number } {
  if (bytes.length < 4) trainFail(`${path}: truncated IDX file (${bytes.length} bytes, no magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expectedMagic = 0x0800 + expectedDims;
  const type = bytes[2];
  if (bytes[0] !== 0 || bytes[1] !== 0 || (type === 0x08 && bytes[3] !== expectedDims)) {
    const kind = expectedDims === 1 ? 'labels' : 'images';
    trainFail(
      `${path}: wrong magic number ${hex(magic)}, expected ${hex(expectedMagic)} (${kind})`,
    );
  }
  if (type !== 0x08) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    trainFail(
      `${path}: IDX element type 0x${type.toString(16)} (${name}) is not supported, only unsigned bytes (0x08)`,
    );
  }
  const headerLength = 4 + 4 * expectedDims;
  if (bytes.length < headerLength) {
    trainFail(`${path}: truncated IDX header (${bytes.length} of ${headerLength} bytes)`);
  }
  const dims = Array.from({ length: expectedDims }, (_, axis) =>
    view.getUint32(4 + 4 * axis, false),
  );
  const dataBytes = dims.reduce((acc, dim) => acc * dim, 1);
  if (dataBytes > MAX_IDX_DATA_BYTES)
    trainFail(
      `${path}: the header declares [${dims.join(', ')}] (${dataBytes} bytes); IDX files may hold at most ${MAX_IDX_DATA_BYTES} bytes`,
    );
  return { dims, headerLength, dataBytes };
}

/**
 * The size of the whole IDX file its first bytes declare, for capping gzip inflation: undefined
 * while `prefix` is shorter than the header.
 */
export function idxDeclaredSize(expectedDims: number, path: string) {
  return (prefix: Uint8Array): number | undefined => {
    if (prefix.length < 4 + 4 * expectedDims) return undefined;
    const { headerLength, dataBytes } = parseIdxHeader(prefix, expectedDims, path);
    return headerLength + dataBytes;
  };
}

/**
 * Parses an unsigned-byte IDX file with `expectedDims` dimensions. Fails (with `path` in the
 * message) on a bad header (see `parseIdxHeader`), or a data section shorter or longer than the
 * header declares.
 */
export function parseIdx(bytes: Uint8Array, expectedDims: number, path: string): IdxArray {
  const {
    dims,
    headerLength,
    dataBytes: expectedBytes,
  } = parseIdxHeader(bytes, expectedDims, path);
  const actualBytes = bytes.length - headerLength;
  if (actualBytes < expectedBytes) {
    trainFail(
      `${path}: truncated: the header declares [${dims.join(', ')}] (${expectedBytes} bytes) ` +
        `but only ${actualBytes} bytes follow it`,
    );
  }
  if (actualBytes > expectedBytes) {
    trainFail(
      `${path}: ${actualBytes - expectedBytes} unexpected bytes after the [${dims.join(', ')}] data`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Parses an IDX image file (`0x00000803`) into pixel values scaled from 0…255 to `[0, 1]`. */
export function parseIdxImages(
  bytes: Uint8Array,
  path: string,
): { count: number; height: number; width: number; pixels: Float32Array } {
  const { dims, data } = parseIdx(bytes, 3, path);
  const pixels = new Float32Array(data.length);
  for (let idx = 0; idx < data.length; idx++) pixels[idx] = data[idx] / 255;
  return { count: dims[0], height: dims[1], width: dims[2], pixels };
}

/** Parses an IDX label file (`0x00000801`) into class indices. */
export function parseIdxLabels(bytes: Uint8Array, path: string): Int32Array {
  return Int32Array.from(parseIdx(bytes, 1, path).data);
}
