// Byte-by-byte builders of the data formats the loaders read, written from the published
// specifications and independent of the readers under test, plus a temporary-directory helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: ExecutionContext, prefix = 'cnnc-train-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Big-endian bytes of a 32-bit unsigned integer. */
function u32be(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/**
 * An IDX file (LeCun's MNIST page): bytes 0–1 zero, byte 2 the type (0x08 unsigned byte), byte 3
 * the number of dimensions, then each dimension as a big-endian u32, then the data.
 */
export function idxBytes(dims: number[], data: number[], type = 0x08): Uint8Array {
  return Uint8Array.from([0, 0, type, dims.length, ...dims.flatMap(u32be), ...data]);
}

/**
 * A `.npy` file (numpy.lib.format): `\x93NUMPY`, major and minor version, the header length
 * (u16 LE in 1.0, u32 LE in 2.0/3.0), the header dict padded with spaces and ended by `\n` so that
 * the data starts at a multiple of 64, then the raw little-endian data.
 */
export function npyBytes(
  descr: string,
  shape: number[],
  data: Uint8Array,
  options: { major?: number; fortran?: boolean } = {},
): Uint8Array {
  const major = options.major ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = major === 1 ? 10 : 12;
  while ((prefix + dict.length + 1) % 64 !== 0) dict += ' ';
  dict += '\n';
  const header = new TextEncoder().encode(dict);
  const lengthBytes =
    major === 1
      ? [header.length & 0xff, header.length >> 8]
      : [header.length & 0xff, (header.length >> 8) & 0xff, 0, 0];
  const magic = [0x93, ...new TextEncoder().encode('NUMPY'), major, 0];
  return Uint8Array.from([...magic, ...lengthBytes, ...header, ...data]);
}

/** Little-endian bytes of values written with one `DataView` setter. */
export function leBytes(
  values: number[],
  size: number,
  set: (view: DataView, offset: number, value: number) => void,
): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((value, idx) => set(view, idx * size, value));
  return out;
}

/** `<f4` bytes. */
export const f32le = (values: number[]) =>
  leBytes(values, 4, (view, at, value) => view.setFloat32(at, value, true));
/** `<f8` bytes. */
export const f64le = (values: number[]) =>
  leBytes(values, 8, (view, at, value) => view.setFloat64(at, value, true));
/** `<i4` bytes. */
export const i32le = (values: number[]) =>
  leBytes(values, 4, (view, at, value) => view.setInt32(at, value, true));
/** `<i8` bytes. */
export const i64le = (values: number[]) =>
  leBytes(values, 8, (view, at, value) => view.setBigInt64(at, BigInt(value), true));
