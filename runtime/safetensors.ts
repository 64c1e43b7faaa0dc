// Reader and writer of the safetensors format (https://github.com/huggingface/safetensors), the
// weight format of generated modules: PyTorch's state_dict saved by `safetensors.torch` loads as is.
//
// Layout: an 8-byte little-endian unsigned header length N, then N bytes of UTF-8 JSON mapping each
// tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the byte after
// the header) plus an optional `__metadata__` string map, then the data buffer. Tensors are
// row-major little-endian. The reader validates strictly and names the problem in every error.

/** Floating-point element types: what a model's parameters may be stored as. */
export type SafetensorsFloatDtype = 'F32' | 'F64' | 'F16' | 'BF16';

/**
 * Element types the reader understands; every tensor is returned as `Float32Array`. The integer
 * types are read too because PyTorch stores counters in them: a BatchNorm's `num_batches_tracked`
 * is I64, so a `state_dict` saved by `safetensors.torch` always holds one.
 */
export type SafetensorsDtype =
  SafetensorsFloatDtype | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

const BYTES_PER_ELEMENT: Readonly<Record<SafetensorsDtype, number>> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** Whether `dtype` is a floating-point type, i.e. one a parameter may have. */
export function isFloatDtype(dtype: SafetensorsDtype): dtype is SafetensorsFloatDtype {
  return dtype === 'F32' || dtype === 'F64' || dtype === 'F16' || dtype === 'BF16';
}

/** A tensor as stored: its shape (outermost first, e.g. `[out, in, kh, kw]`) and float32 values. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** A parsed file: tensors by name (in file order), and the `__metadata__` strings. */
export interface Safetensors {
  tensors: Map<string, NamedTensor>;
  /** The element type each tensor was stored as, by name. */
  dtypes: Map<string, SafetensorsDtype>;
  metadata: Record<string, string>;
  /** Returns the tensor `name`, or throws an error naming it and listing what the file holds. */
  get(name: string): NamedTensor;
}

/** Thrown for every malformed file; `message` starts with `safetensors:` and names the problem. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

function fail(message: string): never {
  throw new SafetensorsError(`safetensors: ${message}`);
}

/**
 * Parses and validates a safetensors file; every tensor is converted to float32 (`dtypes` keeps
 * what it was stored as).
 */
export function readSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.length < 8) fail(`truncated file: ${bytes.length} bytes, the header length needs 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(
      `header length ${headerLength} is larger than the ${bytes.length - 8} bytes after it ` +
        `(a truncated file, or not a safetensors file)`,
    );
  }
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)),
    );
  } catch (error) {
    fail(`invalid JSON header: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail('invalid JSON header: expected an object of tensors');
  }
  const dataLength = bytes.length - headerEnd;
  const metadata = readMetadata((header as Record<string, unknown>).__metadata__);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__');
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, NamedTensor>();
  const dtypes = new Map<string, SafetensorsDtype>();
  for (const [name, info] of entries) {
    const { dtype, shape, begin, end } = readEntry(name, info, dataLength);
    spans.push({ name, begin, end });
    const data = bytes.subarray(headerEnd + begin, headerEnd + end);
    tensors.set(name, { shape, data: toFloat32(data, dtype) });
    dtypes.set(name, dtype);
  }
  checkOverlaps(spans);
  checkCoverage(spans, dataLength);
  return {
    tensors,
    dtypes,
    metadata,
    get(name) {
      const found = tensors.get(name);
      if (found) return found;
      const known = [...tensors.keys()].slice(0, 8).join(', ');
      return fail(`missing tensor \`${name}\` (the file holds ${tensors.size}: ${known})`);
    },
  };
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('`__metadata__` must be an object of strings');
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') fail(`\`__metadata__.${key}\` must be a string`);
  }
  return { ...(value as Record<string, string>) };
}

function readEntry(name: string, info: unknown, dataLength: number) {
  if (typeof info !== 'object' || info === null) fail(`tensor \`${name}\`: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES_PER_ELEMENT, dtype)) {
    const supported = Object.keys(BYTES_PER_ELEMENT).join(', ');
    fail(`tensor \`${name}\`: unknown dtype ${JSON.stringify(dtype)} (supported: ${supported})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor \`${name}\`: shape must be a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(`tensor \`${name}\`: data_offsets must be two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    fail(`tensor \`${name}\`: data_offsets [${begin}, ${end}] are out of range (begin after end)`);
  }
  if (end > dataLength) {
    fail(
      `tensor \`${name}\`: data_offsets [${begin}, ${end}] are out of range (data is ${dataLength} bytes), ` +
        `so the file is truncated or its header is wrong`,
    );
  }
  const elements = (shape as number[]).reduce((acc, d) => acc * d, 1);
  const expected = elements * BYTES_PER_ELEMENT[dtype as SafetensorsDtype];
  if (end - begin !== expected) {
    fail(
      `tensor \`${name}\`: shape [${shape}] of ${dtype} needs ${expected} bytes, ` +
        `but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

function checkOverlaps(spans: { name: string; begin: number; end: number }[]): void {
  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let idx = 1; idx < sorted.length; idx++) {
    const previous = sorted[idx - 1];
    const current = sorted[idx];
    if (current.begin < previous.end) {
      fail(
        `tensors \`${previous.name}\` [${previous.begin}, ${previous.end}] and ` +
          `\`${current.name}\` [${current.begin}, ${current.end}] have overlapping data_offsets`,
      );
    }
  }
}

/**
 * The format requires the data to be entirely indexed, without holes (so that a file cannot hide
 * other content); like the reference reader, reject bytes that belong to no tensor.
 */
function checkCoverage(spans: { begin: number; end: number }[], dataLength: number): void {
  const sorted = [...spans].sort((a, b) => a.begin - b.begin);
  let covered = 0;
  for (const span of sorted) {
    if (span.begin > covered)
      fail(`data bytes [${covered}, ${span.begin}] belong to no tensor (a hole in data_offsets)`);
    covered = Math.max(covered, span.end);
  }
  if (covered < dataLength)
    fail(
      `the last ${dataLength - covered} data bytes belong to no tensor (data is ${dataLength} bytes)`,
    );
}

function toFloat32(data: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = data.byteLength / BYTES_PER_ELEMENT[dtype];
  const out = new Float32Array(count);
  const read = elementReader(view, dtype);
  for (let idx = 0; idx < count; idx++) out[idx] = read(idx);
  return out;
}

function elementReader(view: DataView, dtype: SafetensorsDtype): (idx: number) => number {
  switch (dtype) {
    case 'F32':
      return (idx) => view.getFloat32(idx * 4, true);
    case 'F64':
      return (idx) => view.getFloat64(idx * 8, true);
    case 'F16':
      return (idx) => halfToFloat(view.getUint16(idx * 2, true));
    case 'BF16':
      return (idx) => bfloat16ToFloat(view.getUint16(idx * 2, true));
    case 'I64':
      return (idx) => Number(view.getBigInt64(idx * 8, true));
    case 'I32':
      return (idx) => view.getInt32(idx * 4, true);
    case 'I16':
      return (idx) => view.getInt16(idx * 2, true);
    case 'I8':
      return (idx) => view.getInt8(idx);
    case 'U64':
      return (idx) => Number(view.getBigUint64(idx * 8, true));
    case 'U32':
      return (idx) => view.getUint32(idx * 4, true);
    case 'U16':
      return (idx) => view.getUint16(idx * 2, true);
    case 'U8':
    case 'BOOL':
      return (idx) => view.getUint8(idx);
  }
}

/** IEEE 754 binary16 to a number: sign, 5-bit exponent (bias 15), 10-bit fraction. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function bfloat16ToFloat(bits: number): number {
  const buffer = new DataView(new ArrayBuffer(4));
  buffer.setUint32(0, bits << 16);
  return buffer.getFloat32(0);
}

/**
 * Writes tensors as F32 safetensors, in the given order with contiguous offsets. The header is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does.
 */
export function writeSafetensors(
  tensors: Iterable<[string, NamedTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    if (name === '__metadata__') fail('`__metadata__` is reserved and cannot name a tensor');
    const elements = shape.reduce((acc, d) => acc * d, 1);
    if (elements !== data.length) {
      fail(`tensor \`${name}\`: shape [${shape}] needs ${elements} values, found ${data.length}`);
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    parts.push(data);
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  while (encoder.encode(json).length % 8 !== 0) json += ' ';
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const data of parts) {
    for (let idx = 0; idx < data.length; idx++) view.setFloat32(at + idx * 4, data[idx], true);
    at += data.byteLength;
  }
  return out;
}
