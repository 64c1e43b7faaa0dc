// Builders for the ONNX protobuf messages the exporter writes, over `onnx-proto` (the official
// onnx.proto compiled by protobufjs). Only plain message objects are built here; encoding is
// `encodeModel`. Tensors are stored as little-endian `raw_data`, as onnx.proto prescribes.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;

export type NodeProto = Onnx.INodeProto;
export type TensorProto = Onnx.ITensorProto;
export type AttributeProto = Onnx.IAttributeProto;
export type ModelProto = Onnx.IModelProto;
export type ValueInfoProto = Onnx.IValueInfoProto;

const AttributeType = onnx.AttributeProto.AttributeType;
const DataType = onnx.TensorProto.DataType;

/** The opset and IR version the exporter targets. */
export const OPSET = 17;
export const IR_VERSION = 8;

/** An integer attribute. */
export function intAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.INT, i: value };
}

/** A list-of-integers attribute. */
export function intsAttr(name: string, values: readonly number[]): AttributeProto {
  return { name, type: AttributeType.INTS, ints: [...values] };
}

/** A float attribute. */
export function floatAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.FLOAT, f: value };
}

/** A string attribute (ASCII keywords such as a Pad mode). */
export function stringAttr(name: string, value: string): AttributeProto {
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
}

/** Whether this host stores numbers little-endian, as ONNX's `raw_data` must be. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * A float32 initializer. On a little-endian host its `raw_data` is a view of `data`, not a copy:
 * encoding copies it once, into the model's bytes (VGG-16's weights are 553 MB). The message must
 * therefore be encoded before `data` changes, as `exportOnnx` does.
 */
export function floatTensor(
  name: string,
  dims: readonly number[],
  data: Float32Array,
): TensorProto {
  let rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!LITTLE_ENDIAN) {
    rawData = new Uint8Array(data.byteLength);
    const view = new DataView(rawData.buffer);
    data.forEach((value, idx) => view.setFloat32(idx * 4, value, true));
  }
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData };
}

/** An int64 initializer (Pad's `pads`), little-endian. */
export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  const rawData = new Uint8Array(values.length * 8);
  const view = new DataView(rawData.buffer);
  values.forEach((value, idx) => view.setBigInt64(idx * 8, BigInt(value), true));
  return { name, dims: [values.length], dataType: DataType.INT64, rawData };
}

/** A float32 tensor's type with a symbolic batch dimension: `[batch, …shape]`. */
export function batchedFloat(name: string, shape: readonly number[]): ValueInfoProto {
  const dims = [{ dimParam: 'batch' }, ...shape.map((dim) => ({ dimValue: dim }))];
  return { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims } } } };
}

/** Encodes a model message to the bytes of a `.onnx` file; throws only on a malformed message. */
export function encodeModel(model: ModelProto): Uint8Array {
  const message = onnx.ModelProto.fromObject(model);
  const problem = onnx.ModelProto.verify(message);
  if (problem) throw new Error(`internal error: invalid ONNX model: ${problem}`);
  return onnx.ModelProto.encode(message).finish();
}

/** Decodes `.onnx` bytes (for tests and tools). */
export function decodeModel(bytes: Uint8Array): Onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
