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

/** A float32 initializer. */
export function floatTensor(
  name: string,
  dims: readonly number[],
  data: Float32Array,
): TensorProto {
  const copy = Float32Array.from(data);
  return {
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength),
  };
}

/** An int64 initializer (Pad's `pads`). */
export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  const data = BigInt64Array.from(values.map((value) => BigInt(value)));
  return {
    name,
    dims: [values.length],
    dataType: DataType.INT64,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
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
