// The contract between the WebAssembly module builder and a kernel generator. A generator turns
// one kernel call (a descriptor of compile-time constants) into the body of one exported function
// that computes a range of work units. See docs/wasm-target.md.
import type { KernelCall } from '../target.js';
import { add, get, i32, mulConst } from './wat.js';

/** How a parameter is laid out in the weight region; the runtime packs it at create/loadWeights. */
export type Packing =
  /** As stored (PyTorch layout), padded with zeros to `length` floats. */
  | { kind: 'plain'; length: number }
  /**
   * GEMM left operand of a convolution: weight `[groups·rows, depth]` as, per group and per depth
   * block of `kc` (the last one shorter), `[ceil(rows/mr)][block depth][mr]`, zero rows past
   * `rows`: the slices of all row blocks for one depth block are contiguous.
   */
  | { kind: 'rowPanels'; groups: number; rows: number; depth: number; mr: number; kc: number }
  /** GEMM right operand of a linear layer: weight `[cols, depth]` transposed into `[ceil(cols/nr)][depth][nr]`. */
  | { kind: 'colPanels'; cols: number; depth: number; nr: number }
  /**
   * Winograd F(2×2, 3×3) weights: a 3×3 weight `[rows, depth, 3, 3]` transformed to
   * `U[ξ] = G g Gᵀ` (16 positions ξ), packed as `rowPanels` with the 16 positions as groups.
   */
  | { kind: 'winograd3x3'; rows: number; depth: number; mr: number; kc: number }
  /** Winograd F(4×4, 3×3) weights: as `winograd3x3` with the 36 positions of `G g Gᵀ` (6×6). */
  | { kind: 'winograd4x4'; rows: number; depth: number; mr: number; kc: number };

/** Where a kernel's values and weights are. */
export interface KernelEnv {
  /** Bytes between two samples' activations (the arena of one sample). */
  readonly arenaBytes: number;
  /** Arena offset of the per-sample staging region (padded convolution inputs), shared by layers. */
  readonly staging: number;
  /**
   * Convolutions write their im2col panels to the thread's scratch, one chunk per GEMM unit,
   * instead of the staging region (the training module: its arena is per sample).
   */
  readonly columnsInScratch?: boolean;
  /** The address of sample `sample`'s arena (an i32 expression). */
  sampleBase(sample: string): string;
  /**
   * Adds a helper function to the module (built by `build` from its unique name, e.g. `$h3_tile`)
   * and returns that name. Small hot helpers keep V8's best register allocation.
   */
  helper(stem: string, build: (name: string) => string): string;
  /** The constant address of parameter `name` packed as `packing` (allocated on first request). */
  weight(name: string, packing: Packing): number;
}

/** What a generator returns: the body of `(func (param $u0 $u1 $batch $scr))`. */
export interface GeneratedKernel {
  /** Locals the body uses, name → wasm type. */
  locals: Record<string, string>;
  /** Statements computing the units `[u0, u1)`; `$scr` is this thread's scratch. */
  body: string;
  /** Units of work: `ceil(batch / samplesPerUnit) · unitsPerGroup`. */
  samplesPerUnit: number;
  unitsPerGroup: number;
  /** Scratch bytes one thread needs. */
  scratchBytes: number;
  /**
   * Work per sample: multiply-accumulates, or for a data-movement phase (im2col, the Winograd
   * transforms) the elements it writes. The runtime splits a layer over threads at batch 1 only
   * when this is at least 200k (a dispatch costs microseconds).
   */
  macs: number;
}

/** Arena offsets of a call's value inputs and of its output. */
export interface CallValues {
  inputs: number[];
  output: number;
}

/**
 * A kernel generator: one per runtime factory name the wasm target plans. Several kernels are
 * phases run one after the other (e.g. pad, then convolve), each an exported function.
 */
export type KernelGenerator = (
  call: KernelCall,
  values: CallValues,
  env: KernelEnv,
) => GeneratedKernel | GeneratedKernel[];

/** `base + sample · arena + offset` for the sample in local `sample`. */
export function valueAddress(env: KernelEnv, sample: string, offset: number): string {
  const base = env.sampleBase(sample);
  return offset === 0 ? base : add(base, i32(offset));
}

/**
 * The usual per-sample unit loop: one unit per sample, `$n` the sample; `body` sees `$in*`/`$out`
 * set to the sample's input and output addresses.
 */
export function perSample(
  env: KernelEnv,
  values: CallValues,
  body: string,
  extraLocals: Record<string, string>,
  macs = 0,
): GeneratedKernel {
  const setup = [
    ...values.inputs.map(
      (offset, idx) => `(local.set $in${idx} ${valueAddress(env, 'n', offset)})`,
    ),
    `(local.set $out ${valueAddress(env, 'n', values.output)})`,
  ].join('\n');
  const inputLocals = Object.fromEntries(values.inputs.map((_, idx) => [`in${idx}`, 'i32']));
  return {
    locals: { n: 'i32', out: 'i32', ...inputLocals, ...extraLocals },
    body: `(local.set $n ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('n')} ${get('u1')}))
  ${setup}
  ${body}
  (local.set $n ${add(get('n'), i32(1))})
  (br $units)))`,
    samplesPerUnit: 1,
    unitsPerGroup: 1,
    scratchBytes: 0,
    macs,
  };
}

/** A descriptor field as a number (descriptors are compiler-made, so a miss is a compiler bug). */
export function num(call: KernelCall, key: string): number {
  const value = call.descriptor[key];
  if (typeof value !== 'number') throw new Error(`internal error: ${call.factory}.${key}`);
  return value;
}

export { mulConst };
