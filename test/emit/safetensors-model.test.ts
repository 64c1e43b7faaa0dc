// LeNet-5 weights in the layout PyTorch saves them: a safetensors file that this test assembles
// byte by byte from the published format (https://github.com/huggingface/safetensors#format),
// without the runtime's writer, loads under the documented `state_dict` names and gives what a
// float64 reference computes from the same weights. Each kind of malformed file is rejected with
// a message that names the problem.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { allclose } from '../../runtime/tensor.js';
import * as ref from '../helpers/reference.js';
import { buildSource, inputFor, type GeneratedModule } from './build-helper.js';

/** The `state_dict` of LeNet-5 as docs/generated-api.md documents it, in PyTorch's order. */
const STATE_DICT: readonly [string, number[]][] = [
  ['0.0.weight', [6, 1, 5, 5]],
  ['0.0.bias', [6]],
  ['1.0.weight', [16, 6, 5, 5]],
  ['1.0.bias', [16]],
  ['3.weight', [120, 400]],
  ['3.bias', [120]],
  ['5.weight', [84, 120]],
  ['5.bias', [84]],
  ['7.weight', [10, 84]],
  ['7.bias', [10]],
];
const BATCH = 3;

/** One tensor of a hand-made file: how the header describes it and its raw data bytes. */
interface FileTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
  /** Overrides the offsets the layout would give (to make a malformed file). */
  offsets?: [number, number];
}

/** Weights of PyTorch's default scale, U(±1/√fanIn) of each layer, already rounded to float32. */
function weightsFor(seed: number): Map<string, number[]> {
  const values = new Map<string, number[]>();
  STATE_DICT.forEach(([name, shape], idx) => {
    const layer = name.slice(0, name.lastIndexOf('.'));
    const weightShape = STATE_DICT.find(([other]) => other === `${layer}.weight`)?.[1] ?? shape;
    const scale = 1 / Math.sqrt(weightShape.slice(1).reduce((a, b) => a * b, 1));
    const size = shape.reduce((a, b) => a * b, 1);
    const rounded = inputFor(size, seed * 100 + idx).map((v) => Math.fround(v * scale));
    values.set(name, [...rounded]);
  });
  return values;
}

/** Little-endian IEEE 754 binary32 bytes of `values`. */
function f32Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, idx) => view.setFloat32(idx * 4, value, true));
  return bytes;
}

/** The tensors of a well-formed LeNet-5 file, F32. */
function lenetTensors(values: Map<string, number[]>): FileTensor[] {
  return STATE_DICT.map(([name, shape]) => ({
    name,
    dtype: 'F32',
    shape: [...shape],
    bytes: f32Bytes(values.get(name) ?? []),
  }));
}

/**
 * Assembles a file as the format describes it: 8 bytes of header length N (unsigned 64-bit, little
 * endian), N bytes of UTF-8 JSON padded with spaces, then the data. As the reference writer does,
 * the data is laid out in name order while the header lists tensors in `state_dict` order, so the
 * reader must follow `data_offsets` rather than the order of the keys.
 */
function safetensorsFile(tensors: readonly FileTensor[], headerLength?: number): Uint8Array {
  const layout = [...tensors].sort((a, b) => (a.name < b.name ? -1 : 1));
  const offsets = new Map<string, [number, number]>();
  let dataLength = 0;
  for (const tensor of layout) {
    offsets.set(tensor.name, [dataLength, dataLength + tensor.bytes.length]);
    dataLength += tensor.bytes.length;
  }
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const tensor of tensors) {
    const dataOffsets = tensor.offsets ?? offsets.get(tensor.name);
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: dataOffsets };
  }
  let json = JSON.stringify(header);
  while (json.length % 8 !== 0) json += ' ';
  const jsonBytes = new TextEncoder().encode(json);
  const file = new Uint8Array(8 + jsonBytes.length + dataLength);
  const length = headerLength ?? jsonBytes.length;
  for (let idx = 0; idx < 8; idx++) file[idx] = Math.floor(length / 256 ** idx) % 256;
  file.set(jsonBytes, 8);
  for (const tensor of layout) {
    const [begin] = offsets.get(tensor.name) ?? [0];
    file.set(tensor.bytes, 8 + jsonBytes.length + begin);
  }
  return file;
}

/** LeNet-5 in float64: conv(pad 2) relu maxpool, conv relu maxpool, flatten, fc relu fc relu fc. */
function referenceLenet(x: number[] | Float32Array, values: Map<string, number[]>): Float64Array {
  const param = (name: string) => {
    const shape = STATE_DICT.find(([n]) => n === name)?.[1] ?? [];
    return ref.tensor(values.get(name) ?? [], shape);
  };
  const convReluPool = (input: ref.RefTensor, prefix: string, pad: number) => {
    const conv = ref.convNd(input, param(`${prefix}.weight`), param(`${prefix}.bias`), {
      stride: [1, 1],
      dilation: [1, 1],
      pads: [
        [pad, pad],
        [pad, pad],
      ],
      groups: 1,
      padMode: 'zeros',
    });
    const relu = ref.tensor(ref.activateAll(conv.data, 'relu'), conv.shape);
    return ref.pool2d(relu, {
      kind: 'max',
      kernel: [2, 2],
      stride: [2, 2],
      pads: [
        [0, 0],
        [0, 0],
      ],
      ceil: false,
      countIncludePad: true,
      p: 2,
    });
  };
  const fc = (input: ref.RefTensor, prefix: string, relu: boolean) => {
    const out = ref.linear(input, param(`${prefix}.weight`), param(`${prefix}.bias`));
    return relu ? ref.tensor(ref.activateAll(out.data, 'relu'), out.shape) : out;
  };
  const features = convReluPool(
    convReluPool(ref.tensor(x, [BATCH, 1, 28, 28]), '0.0', 2),
    '1.0',
    0,
  );
  const flat = ref.tensor(features.data, [BATCH, 400]);
  return fc(fc(fc(flat, '3', true), '5', true), '7', false).data;
}

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

let lenet: Promise<GeneratedModule> | undefined;
const buildLenet = () =>
  (lenet ??= buildSource('safetensors-lenet', readFileSync('examples/lenet5.cnn', 'utf8')).then(
    (built) => built.module,
  ));

const values = weightsFor(3);
const input = inputFor(BATCH * 28 * 28, 11);
const expected = referenceLenet(input, values);

test.serial('the module names its parameters as the documented state_dict', async (t) => {
  const module = await buildLenet();
  t.deepEqual(
    module.parameterSpecs.map((spec) => [spec.name, [...spec.shape]]),
    STATE_DICT.map(([name, shape]) => [name, shape]),
  );
});

test.serial('a hand-made file loads and gives the float64 reference outputs', async (t) => {
  const module = await buildLenet();
  const model = await module.create({
    backend: shared(),
    weights: safetensorsFile(lenetTensors(values)),
  });
  const report = allclose(await model.forward(input, BATCH), expected, 1e-4, 1e-5);
  t.true(report.ok, report.message);
  // Loading into a model created with other (seeded) weights gives the same outputs.
  const seeded = await module.create({ backend: shared(), seed: 1 });
  t.false(allclose(await seeded.forward(input, BATCH), expected, 1e-4, 1e-5).ok);
  seeded.loadWeights(safetensorsFile(lenetTensors(values)));
  const reloaded = allclose(await seeded.forward(input, BATCH), expected, 1e-4, 1e-5);
  t.true(reloaded.ok, reloaded.message);
});

test.serial('the file saveWeights writes follows the format', async (t) => {
  const module = await buildLenet();
  const model = await module.create({ backend: shared(), seed: 2 });
  const bytes = model.saveWeights();
  let headerLength = 0;
  for (let idx = 7; idx >= 0; idx--) headerLength = headerLength * 256 + bytes[idx];
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const data = new DataView(bytes.buffer, bytes.byteOffset + 8 + headerLength);
  for (const [name, shape] of STATE_DICT) {
    const { dtype, shape: stored, data_offsets: offsets } = header[name];
    t.is(dtype, 'F32', name);
    t.deepEqual(stored, shape, name);
    const live = model.parameters().get(name) ?? new Float32Array(0);
    t.is(offsets[1] - offsets[0], live.length * 4, name);
    const read = Float32Array.from(live, (_, idx) => data.getFloat32(offsets[0] + idx * 4, true));
    t.deepEqual(read, live, name);
  }
});

test.serial('a PyTorch BatchNorm counter (I64 num_batches_tracked) is ignored', async (t) => {
  const module = await buildLenet();
  const counter = new Uint8Array(8);
  counter[0] = 7;
  const tensors = [
    ...lenetTensors(values),
    { name: '2.num_batches_tracked', dtype: 'I64', shape: [], bytes: counter },
  ];
  const model = await module.create({ backend: shared(), weights: safetensorsFile(tensors) });
  const report = allclose(await model.forward(input, BATCH), expected, 1e-4, 1e-5);
  t.true(report.ok, report.message);
});

/** Returns the LeNet-5 tensors with `name` changed by `change`. */
function withTensor(name: string, change: (tensor: FileTensor) => FileTensor | null): FileTensor[] {
  return lenetTensors(values).flatMap((tensor) => {
    if (tensor.name !== name) return [tensor];
    const changed = change(tensor);
    return changed ? [changed] : [];
  });
}

const good = safetensorsFile(lenetTensors(values));
/** The header length of `good`; the low two bytes hold it all. */
const goodHeaderLength = good[0] + 256 * good[1];

const malformed: [string, Uint8Array, RegExp][] = [
  [
    'truncated data',
    good.subarray(0, good.length - 40),
    /tensor `7\.weight`: data_offsets \[\d+, \d+\] are out of range \(data is \d+ bytes\), so the file is truncated/,
  ],
  [
    'truncated header',
    good.subarray(0, 100),
    /header length \d+ is larger than the 92 bytes after it \(a truncated file/,
  ],
  ['truncated header length', good.subarray(0, 5), /truncated file: 5 bytes/],
  [
    'header length larger than the file',
    safetensorsFile(lenetTensors(values), good.length),
    new RegExp(`header length ${good.length} is larger than the ${good.length - 8} bytes after it`),
  ],
  [
    'overlapping offsets',
    // `0.0.bias` comes first in the data at [0, 24]; moving it to [20, 44] overlaps `0.0.weight`.
    safetensorsFile(withTensor('0.0.bias', (tensor) => ({ ...tensor, offsets: [20, 44] }))),
    /tensors `0\.0\.bias` \[20, 44\] and `0\.0\.weight` \[24, 624\] have overlapping data_offsets/,
  ],
  [
    'bytes that belong to no tensor',
    Uint8Array.from([...good, 0, 0, 0, 0, 0, 0, 0, 0]),
    /the last 8 data bytes belong to no tensor/,
  ],
  [
    'an integer dtype',
    safetensorsFile(withTensor('7.bias', (tensor) => ({ ...tensor, dtype: 'I32' }))),
    /tensor `7\.bias` has dtype I32, but a parameter must be F32, F64, F16 or BF16/,
  ],
  [
    'an unknown dtype',
    safetensorsFile(withTensor('7.bias', (tensor) => ({ ...tensor, dtype: 'f32' }))),
    /tensor `7\.bias`: unknown dtype "f32" \(supported: F32, /,
  ],
  [
    'a dtype that does not match the data',
    safetensorsFile(withTensor('7.bias', (tensor) => ({ ...tensor, dtype: 'F64' }))),
    /tensor `7\.bias`: shape \[10\] of F64 needs 80 bytes, but data_offsets \[\d+, \d+\] hold 40/,
  ],
  [
    'a transposed weight',
    safetensorsFile(withTensor('3.weight', (tensor) => ({ ...tensor, shape: [400, 120] }))),
    /tensor `3\.weight` has shape \[400, 120\], expected \[120, 400\]/,
  ],
  [
    'a weight of the wrong size',
    safetensorsFile(
      withTensor('7.bias', (tensor) => ({ ...tensor, shape: [5], bytes: tensor.bytes.slice(20) })),
    ),
    /tensor `7\.bias` has shape \[5\], expected \[10\]/,
  ],
  [
    'a missing tensor',
    safetensorsFile(withTensor('5.bias', () => null)),
    /missing tensor `5\.bias`/,
  ],
  [
    'an unexpected extra tensor',
    safetensorsFile([
      ...lenetTensors(values),
      { name: 'fc.extra', dtype: 'F32', shape: [2], bytes: f32Bytes([1, 2]) },
    ]),
    /unexpected tensor `fc\.extra` \(this model has no such parameter\)/,
  ],
];

test.serial('the hand-made header has the length the malformed cases assume', (t) => {
  t.is(goodHeaderLength % 8, 0);
  t.true(goodHeaderLength > 92, 'a 100-byte prefix cuts the header');
});

for (const [name, bytes, message] of malformed) {
  test.serial(`a file with ${name} is rejected, naming the problem`, async (t) => {
    const module = await buildLenet();
    const model = await module.create({ backend: shared(), weights: good });
    t.throws(() => model.loadWeights(bytes), { name: 'SafetensorsError', message });
    await t.throwsAsync(module.create({ backend: shared(), weights: bytes }), {
      name: 'SafetensorsError',
      message,
    });
    // A rejected file leaves the weights the model had.
    const report = allclose(await model.forward(input, BATCH), expected, 1e-4, 1e-5);
    t.true(report.ok, report.message);
  });
}
