// Which WebAssembly kernels generate each kernel factory, forward and backward. A layer that
// carries its own kernels says so in its spec (`backends.wasm` in compiler/layers/); the tables
// here are the older layers' (their gpu.js plans are in their specs; their wasm generators are
// still listed here by factory).
// The target, the module builders and the completeness test ask only through these functions.
import { layers } from '../../layers/registry.js';
import type { BackwardGenerator } from './backward/common.js';
import { convBackward, convBackwardSupported, linearBackward } from './backward/conv.js';
import {
  activationBackward,
  activationBackwardStep,
  adaptivePoolBackward,
  addBackward,
  addBackwardSupported,
  poolBackwardSupported,
} from './backward/simple.js';
import { poolBackwardVector } from './backward/pool-vector.js';
import { conv3dDirect, convTransposeDirect } from './direct.js';
import { convGemm, linearGemm, stagingBytes } from './gemm.js';
import type { KernelGenerator } from './kernel.js';
import { normalizeBackward, normalizeKernel } from './normalize.js';
import type { KernelCall } from '../target.js';
import type { WasmKernels } from '../../layers/types.js';
import {
  activationKernel,
  adaptivePoolKernel,
  addKernel,
  batchnormKernel,
  concatKernel,
  copyKernel,
  lrnKernel,
  padKernel,
  poolKernel,
  softmaxKernel,
} from './simple.js';

/** The forward generators of the older layers, by factory. */
const OLDER_FORWARD: Readonly<Record<string, KernelGenerator>> = {
  conv2d: convGemm,
  conv2dIm2col: convGemm,
  conv1d: convGemm,
  conv3d: conv3dDirect,
  convTranspose2d: convTransposeDirect,
  linear: linearGemm,
  activation: activationKernel,
  elementwiseChain: activationKernel,
  dropout: copyKernel,
  add: addKernel,
  concat: concatKernel,
  pool2d: poolKernel,
  adaptivePool2d: adaptivePoolKernel,
  pad: padKernel,
  batchnorm: batchnormKernel,
  softmax: softmaxKernel,
  lrn: lrnKernel,
  normalize: normalizeKernel,
};

/**
 * The backward generators of the older layers, by factory (batchnorm and dropout, whose training
 * forward differs, are built by backward/index.ts itself).
 */
const OLDER_BACKWARD: Readonly<Record<string, BackwardGenerator>> = {
  conv2d: convBackward,
  conv2dIm2col: convBackward,
  conv1d: convBackward,
  linear: linearBackward,
  activation: activationBackward,
  elementwiseChain: activationBackward,
  pool2d: poolBackwardVector,
  adaptivePool2d: adaptivePoolBackward,
  add: addBackward,
  normalize: normalizeBackward,
};

/** Which variants of an older factory's call its backward generator covers. */
const BACKWARD_COVERS = new Map<BackwardGenerator, (call: KernelCall) => boolean>([
  [convBackward, convBackwardSupported],
  [activationBackward, (call) => activationBackwardStep(call) !== null],
  [poolBackwardVector, poolBackwardSupported],
  [addBackward, addBackwardSupported],
]);

const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** The kernels the layer specs carry (`backends.wasm`), by factory. */
function fromSpecs<T>(pick: (kernels: WasmKernels) => Readonly<Record<string, T>>): Map<string, T> {
  const table = new Map<string, T>();
  for (const spec of layers) {
    const kernels = spec.backends?.wasm;
    if (kernels)
      for (const [factory, kernel] of Object.entries(pick(kernels))) table.set(factory, kernel);
  }
  return table;
}

let specForward: Map<string, KernelGenerator> | undefined;
let specBackward: Map<string, BackwardGenerator> | undefined;

/** The forward generator of kernel factory `factory`, if the wasm target has one. */
export function forwardKernel(factory: string): KernelGenerator | undefined {
  specForward ??= fromSpecs((kernels) => kernels.forward);
  return specForward.get(factory) ?? own(OLDER_FORWARD, factory);
}

/**
 * Whether `factory` is an older layer's kernel, listed here rather than in its spec's
 * `backends.wasm` (the completeness test asks the spec for every other kernel).
 */
export function isTableKernel(factory: string): boolean {
  return own(OLDER_FORWARD, factory) !== undefined;
}

/** The backward generator of `call`, if the wasm target can train it. */
export function backwardKernel(call: KernelCall): BackwardGenerator | undefined {
  specBackward ??= fromSpecs((kernels) => kernels.backward);
  const generator = specBackward.get(call.factory) ?? own(OLDER_BACKWARD, call.factory);
  if (!generator) return undefined;
  const covers = BACKWARD_COVERS.get(generator);
  return !covers || covers(call) ? generator : undefined;
}

/**
 * Bytes of the arena's staging block a forward call needs: the padded input and (unless they go to
 * the thread's scratch) the im2col panels of a convolution that runs as a GEMM, else none.
 */
export function stagingOf(call: KernelCall, columnsInScratch = false): number {
  return forwardKernel(call.factory) === convGemm ? stagingBytes(call, columnsInScratch) : 0;
}
