// The public API of `cnnc/runtime/wasm`: what modules built with `cnnc build --target wasm` import.
// It never imports binaryen (a compiler dependency) or gpu.js.
export * from './model.js';
export * from './pack.js';
export type { FoldSpec, InitScheme, LoadOptions, ParamSpec } from '../params.js';
export * from './train.js';
export type {
  Evaluation,
  StepOptions,
  StepResult,
  TrainingBase,
  TrainOverrides,
  TrainSpec,
} from '../training.js';
