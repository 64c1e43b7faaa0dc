// A reader of NumPy's `.npy` format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic
// `\x93NUMPY`, a major and minor version byte, a little-endian header length (2 bytes in 1.0,
// 4 bytes after), a Python-literal header dict, then the array's bytes in C order.
import { trainFail } from '../errors.js';

/** The element types cnnc reads: float32/64, uint8, int32/64 (little-endian) and bool. */
export type NpyDtype = '<f4' | '<f8' | '|u1' | '<i4' | '<i8' | '|b1';

const ITEM_SIZES: Readonly<Record<NpyDtype, number>> = {
  '<f4': 4,
  '<f8': 8,
  '|u1': 1,
  '<i4': 4,
  '<i8': 8,
  '|b1': 1,
};

/** A parsed `.npy` array: shape (outermost first), dtype, and the raw data bytes (C order). */
export interface NpyArray {
  shape: number[];
  dtype: NpyDtype;
  data: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Reads the header dict's fields; numpy always writes `descr`, `fortran_order` and `shape`. */
function parseHeader(
  text: string,
  path: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (/['"]descr['"]\s*:\s*\[/.test(text))
    trainFail(`${path}: structured dtypes are not supported`);
  if (!descr || !fortran || !shape) {
    trainFail(`${path}: malformed .npy header ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
  const dims = shape[1]
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (/^\d+L?$/.test(part) ? Number.parseInt(part, 10) : NaN));
  if (dims.some((dim) => !Number.isSafeInteger(dim))) {
    trainFail(`${path}: malformed shape (${shape[1]}) in the .npy header`);
  }
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

/**
 * Parses a `.npy` file. Fails with a one-line message naming `path` and the problem on a wrong
 * magic, an unknown version, a malformed header, Fortran order, an unsupported dtype (big-endian,
 * float16, structured…), or a data section shorter or longer than the shape needs.
 */
export function parseNpy(bytes: Uint8Array, path: string): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((byte, idx) => bytes[idx] === byte)) {
    trainFail(`${path}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3)
    trainFail(`${path}: unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) trainFail(`${path}: truncated .npy header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) {
    trainFail(`${path}: truncated .npy header (${headerLength} bytes declared)`);
  }
  // Versions 1 and 2 encode the header in latin-1, version 3 in UTF-8.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(8 + lengthBytes, dataStart),
  );
  const { descr, fortran, shape } = parseHeader(header, path);
  if (fortran) {
    trainFail(`${path}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  }
  if (!(descr in ITEM_SIZES)) {
    trainFail(
      `${path}: unsupported dtype '${descr}' (supported: ${Object.keys(ITEM_SIZES).join(' ')})`,
    );
  }
  const dtype = descr as NpyDtype;
  const expected = shape.reduce((acc, dim) => acc * dim, 1) * ITEM_SIZES[dtype];
  const actual = bytes.length - dataStart;
  if (actual < expected) {
    trainFail(
      `${path}: truncated: shape (${shape.join(', ')}) of ${dtype} needs ${expected} bytes, found ${actual}`,
    );
  }
  if (actual > expected) trainFail(`${path}: ${actual - expected} unexpected bytes after the data`);
  return { shape, dtype, data: bytes.subarray(dataStart) };
}

/** Reads element `idx` of `array` as a number (int64 values beyond 2^53 lose precision). */
function elementReader(array: NpyArray): (idx: number) => number {
  const view = new DataView(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  switch (array.dtype) {
    case '<f4':
      return (idx) => view.getFloat32(idx * 4, true);
    case '<f8':
      return (idx) => view.getFloat64(idx * 8, true);
    case '<i4':
      return (idx) => view.getInt32(idx * 4, true);
    case '<i8':
      return (idx) => Number(view.getBigInt64(idx * 8, true));
    case '|u1':
    case '|b1':
      return (idx) => array.data[idx];
  }
}

/** Number of elements of `array`. */
export function npyLength(array: NpyArray): number {
  return array.shape.reduce((acc, dim) => acc * dim, 1);
}

/** The values of `array` as float32; `|u1` bytes are scaled from 0…255 to `[0, 1]`. */
export function npyToFloat32(array: NpyArray): Float32Array {
  const read = elementReader(array);
  const scale = array.dtype === '|u1' ? 1 / 255 : 1;
  const out = new Float32Array(npyLength(array));
  for (let idx = 0; idx < out.length; idx++) out[idx] = read(idx) * scale;
  return out;
}

/** The values of `array` as class indices; fails on a negative or non-integer value. */
export function npyToLabels(array: NpyArray, path: string): Int32Array {
  const read = elementReader(array);
  const out = new Int32Array(npyLength(array));
  for (let idx = 0; idx < out.length; idx++) {
    const value = read(idx);
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
      trainFail(
        `${path}: label ${value} at index ${idx} is not a class index (a non-negative integer)`,
      );
    }
    out[idx] = value;
  }
  return out;
}
