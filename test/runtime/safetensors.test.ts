// safetensors: round-trip, a file assembled byte by byte from the published spec, dtype
// conversions, and one rejection per malformed case with a message naming the problem.
import test from 'ava';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../../runtime/safetensors.js';

/** Builds a file by hand: u64 LE header length, JSON header, then the raw data bytes. */
function handMade(header: string, data: number[] | Uint8Array = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  const lengthBytes = [json.length & 0xff, (json.length >> 8) & 0xff, 0, 0, 0, 0, 0, 0];
  out.set(lengthBytes, 0);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of float32 values. */
function f32Bytes(values: number[]): number[] {
  const buffer = new ArrayBuffer(values.length * 4);
  const view = new DataView(buffer);
  values.forEach((v, idx) => view.setFloat32(idx * 4, v, true));
  return [...new Uint8Array(buffer)];
}

test('round-trip keeps names, order, shapes, values and metadata', (t) => {
  const tensors: [string, NamedTensor][] = [
    [
      'features.0.weight',
      { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7 - 1) },
    ],
    ['features.0.bias', { shape: [2], data: new Float32Array([0.5, -0.25]) }],
    ['bn.num_batches_tracked', { shape: [], data: new Float32Array([3]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ];
  const bytes = writeSafetensors(tensors, { format: 'pt' });
  t.is((bytes.length - 8 - Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 4, 0);
  t.is(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0, 'header padded to 8 bytes');
  const file = readSafetensors(bytes);
  t.deepEqual(
    [...file.tensors.keys()],
    tensors.map(([name]) => name),
  );
  for (const [name, tensor] of tensors) t.deepEqual(file.get(name), tensor);
  t.deepEqual(file.metadata, { format: 'pt' });
});

test('a file written by hand following the spec loads (F32, F64, F16, BF16)', (t) => {
  const f64 = new Uint8Array(new Float64Array([1.5, -2.25]).buffer);
  // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff; BF16: 1.0 = 0x3f80.
  const data = [...f32Bytes([1, 2, 3, 4]), ...f64, 0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x80, 0x3f];
  const header =
    '{"__metadata__":{"format":"pt"},' +
    '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
    '"d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]},' +
    '"h":{"dtype":"F16","shape":[3],"data_offsets":[32,38]},' +
    '"b":{"dtype":"BF16","shape":[1],"data_offsets":[38,40]}}';
  const file = readSafetensors(handMade(header, data));
  t.deepEqual(file.get('w'), { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
  t.deepEqual(file.get('d').data, new Float32Array([1.5, -2.25]));
  t.deepEqual(file.get('h').data, new Float32Array([1, -2, 65504]));
  t.deepEqual(file.get('b').data, new Float32Array([1]));
  t.deepEqual(file.metadata, { format: 'pt' });
});

const malformed: [string, Uint8Array, RegExp][] = [
  ['truncated before the header length', new Uint8Array([1, 0, 0]), /truncated file: 3 bytes/],
  [
    'header length larger than the file',
    handMade('{}').subarray(0, 9),
    /header length 2 is larger than the 1 bytes/,
  ],
  ['header that is not JSON', handMade('{"w": nope}'), /invalid JSON header/],
  ['header that is a list', handMade('[1, 2]'), /invalid JSON header: expected an object/],
  [
    'unknown dtype',
    handMade('{"w":{"dtype":"I7","shape":[1],"data_offsets":[0,4]}}', f32Bytes([1])),
    /tensor `w`: unknown dtype "I7"/,
  ],
  [
    'shape and offsets disagree',
    handMade('{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}', f32Bytes([1, 2, 3])),
    /tensor `w`: shape \[2,2\] of F32 needs 16 bytes, but data_offsets \[0, 12\] hold 12/,
  ],
  [
    'offsets past the data (truncated data)',
    handMade('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32Bytes([1])),
    /tensor `w`: data_offsets \[0, 8\] are out of range \(data is 4 bytes\)/,
  ],
  [
    'reversed offsets',
    handMade('{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}', f32Bytes([1])),
    /data_offsets \[4, 0\] are out of range/,
  ],
  [
    'overlapping offsets',
    handMade(
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
        '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
      f32Bytes([1, 2, 3]),
    ),
    /tensors `a` \[0, 8\] and `b` \[4, 12\] have overlapping data_offsets/,
  ],
  [
    'a negative dimension',
    handMade('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f32Bytes([1])),
    /tensor `w`: shape must be a list of non-negative integers/,
  ],
  [
    'metadata that is not strings',
    handMade('{"__metadata__":{"epoch":3}}'),
    /`__metadata__.epoch` must be a string/,
  ],
];

for (const [name, bytes, message] of malformed) {
  test(`rejects a file with ${name}`, (t) => {
    t.throws(() => readSafetensors(bytes), { name: 'SafetensorsError', message });
  });
}

test('looking up a missing tensor names it', (t) => {
  const file = readSafetensors(
    writeSafetensors([['fc.weight', { shape: [1], data: new Float32Array(1) }]]),
  );
  t.throws(() => file.get('fc.bias'), {
    message: /missing tensor `fc.bias` \(the file holds 1: fc.weight\)/,
  });
});

test('the writer refuses a tensor whose shape does not match its data', (t) => {
  t.throws(() => writeSafetensors([['w', { shape: [2, 2], data: new Float32Array(3) }]]), {
    message: /tensor `w`: shape \[2,2\] needs 4 values, found 3/,
  });
});
