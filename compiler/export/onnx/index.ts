// The ONNX exporter's entry points (see ./export.ts and docs/export.md).
export { exportOnnx, onnxParamSpecs, type OnnxExport, type OnnxOptions } from './export.js';
export { exportWeights, type WeightSource } from './weights.js';
