// The runtime of a module generated for the wasm target: one WebAssembly.Memory per model laid
// out as [weights | scratch per thread | arena per sample × batch capacity], the module's layer
// functions called in order, parameters packed once per create/loadWeights, and a worker pool.
import {
  foldBatchNorm,
  initParameters,
  readWeights,
  writeWeights,
  type FoldSpec,
  type InitScheme,
  type LoadOptions,
  type ParamSpec,
} from '../params.js';
import { pack, packedLength, type Packing } from './pack.js';
import { createWorkerThreads, type WorkerProgram, type WorkerThreads } from './pool.js';

/** One exported layer function and how its work splits into units. */
export interface WasmLayerSpec {
  fn: string;
  samplesPerUnit: number;
  unitsPerGroup: number;
  macs: number;
}

/** What the generated module embeds: the module bytes and its memory layout. */
export interface WasmSpec {
  /** The WebAssembly module, base64. */
  wasm: string;
  weightBytes: number;
  scratchBytes: number;
  arenaBytes: number;
  weights: readonly { name: string; offset: number; packing: Packing }[];
  inputs: readonly { name: string; offset: number; size: number }[];
  outputs: readonly { name: string; offset: number; size: number }[];
  layers: readonly WasmLayerSpec[];
  /**
   * Weight slots (by offset) the module's function `fn` packs from the plain slots, which are
   * written first (the training module's parameters, repacked there after each optimizer step).
   */
  repack?: { fn: string; slots: readonly number[] };
}

/** Options of a wasm module's `create`. */
export interface WasmCreateOptions {
  /**
   * Threads computing each layer, the caller included (default: the core count in Node, 1
   * elsewhere). `true` and `false`, as a gpu.js module takes them, mean the default and 1.
   */
  threads?: number | boolean;
  /**
   * When the `threads − 1` worker threads start: `'auto'` (default) on the first batch that
   * splits a layer, and only when the memory laid out for that batch is at least 4× what the
   * workers cost (about 8 MB each) or the call is at least 10^8 multiply-adds
   * ({@link workersPay}); `'always'` on the first batch that splits a layer, however small.
   */
  workers?: 'auto' | 'always';
  /** Seed of the weight initialisation (default 0). */
  seed?: number;
  /** Initialisation scheme (default `pytorch`). */
  init?: InitScheme;
  /** A safetensors file to load instead of initialising. */
  weights?: Uint8Array;
  /** Options for loading `weights`. */
  load?: LoadOptions;
}

/**
 * Where a wasm model runs, shaped as a gpu.js model's `backend` reads (`mode`, `kernelClass`), so
 * that code written for either module (`model.backend.kernelClass`) runs on both.
 */
export interface WasmBackendInfo {
  readonly mode: 'wasm';
  /** cnnc's own WebAssembly SIMD kernels (a gpu.js model names its kernel class here). */
  readonly kernelClass: 'cnnc-wasm';
  /** Threads each layer runs on (the caller included). */
  readonly threads: number;
}

/** What every model of the wasm target offers besides `forward`. */
export interface WasmModelBase {
  /** Threads each layer runs on (the caller included). */
  readonly threads: number;
  /** Where the model runs: `{ mode: 'wasm', kernelClass: 'cnnc-wasm', threads }`. */
  readonly backend: WasmBackendInfo;
  /** Bytes of the WebAssembly memory's per-sample arenas laid out so far (the memory plan's slots). */
  bufferBytes(): number;
  /** The parameters and buffers by PyTorch `state_dict` name (NCHW layouts). Changes take effect after `loadWeights`. */
  parameters(): ReadonlyMap<string, Float32Array>;
  /** Loads safetensors weights; throws a `SafetensorsError` naming a missing or misshapen tensor. */
  loadWeights(bytes: Uint8Array, options?: LoadOptions): void;
  /** Saves every parameter and buffer as F32 safetensors in PyTorch naming. */
  saveWeights(): Uint8Array;
  /**
   * Turns per-layer timing on or off; returns the live map of the last forward's milliseconds by
   * function name. `clock` (default `performance.now`) may be a CPU clock, e.g. from `process.cpuUsage`.
   */
  profile(enabled: boolean, clock?: () => number): Map<string, number>;
  /** Stops the worker threads. */
  dispose(): Promise<void>;
}

/** The runtime half of a wasm model, used by generated code. */
export interface WasmModelRuntime {
  /** Runs the layers on `inputs` (flat, `batch` samples each); returns the outputs. */
  run(inputs: readonly Float32Array[], batch: number): Promise<Float32Array[]>;
  /** Checks `inputs`, lays the memory out for `batch` samples and copies the inputs in. */
  load(inputs: readonly Float32Array[], batch: number): Promise<void>;
  /** Runs the layer functions `[from, to)` on the loaded batch. */
  runLayers(from: number, to: number, batch: number): void;
  /** The values `list` of `batch` samples, copied out of the arena (`[batch, size]` each). */
  read(list: readonly { offset: number; size: number }[], batch: number): Float32Array[];
  /** A view of `size` floats at arena offset `offset` of sample `sample`. */
  view(sample: number, offset: number, size: number): Float32Array;
  /** A view of `length` floats at the constant byte address `address` (weights, gradients). */
  at(address: number, length: number): Float32Array;
  /** The current instance's exported function `name` (the training module's optimizer). */
  exported(name: string): (...args: number[]) => number;
  /** The parameter store (shared by the runtimes of one model). */
  readonly values: Map<string, Float32Array>;
  /** Replaces the parameter store (after `loadWeights` of another runtime) and repacks. */
  setValues(values: Map<string, Float32Array>): void;
  /** Marks the packed parameters stale: they are repacked before the next layer runs. */
  invalidate(): void;
  /** The model's worker threads (shared with its training runtime); none with one thread. */
  readonly workers: WorkerThreads | undefined;
  finish<Extra extends object>(extra: Extra): Extra & WasmModelBase;
}

/**
 * Resident memory one worker thread costs: its own V8 isolate and Node environment (measured on
 * Node 20: 8.6 MiB for a bare worker with the pool's heap limits; docs/wasm-target.md).
 */
export const WORKER_BYTES = 8 * 2 ** 20;

/**
 * Multiply-adds per call (a forward or a training step over the batch) from which the workers
 * start whatever the memory: a call of 10^8 MACs is several milliseconds on one thread, and a
 * second thread took 29–35% off such calls here (docs/wasm-target.md, "Workers").
 */
export const WORKERS_MIN_MACS = 100_000_000;

/**
 * Whether `workers` worker threads are worth starting for a model whose WebAssembly memory is
 * `memoryBytes` and whose call does `macs` multiply-adds: always with `'always'`; with `'auto'`
 * when they add at most a quarter to the memory, or when the call is at least
 * {@link WORKERS_MIN_MACS}. A small model's small batch (a LeNet-5 training step at batch 64: 8 MB
 * laid out, 9·10^7 MACs, 6% faster with a worker) runs on the calling thread instead of doubling
 * its resident memory for a fraction of a millisecond.
 */
export function workersPay(
  memoryBytes: number,
  workers: number,
  mode: 'auto' | 'always' = 'auto',
  macs = 0,
): boolean {
  if (workers < 1) return false;
  return mode === 'always' || 4 * workers * WORKER_BYTES <= memoryBytes || macs >= WORKERS_MIN_MACS;
}

const PAGE = 65536;
const MAX_BYTES = 2 ** 32;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const binary = atob(text);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The core count in Node (worker_threads share the memory), 1 elsewhere. */
async function defaultThreads(): Promise<number> {
  const isNode = typeof process !== 'undefined' && Boolean(process.versions?.node);
  if (!isNode) return 1;
  const os = await import('node:os');
  return Math.max(1, Math.min(os.availableParallelism(), 16));
}

const compiled = new Map<string, WebAssembly.Module>();

/** Creates the runtime of a wasm model. */
export async function createWasmModel(
  options: WasmCreateOptions,
  specs: readonly ParamSpec[],
  folds: readonly FoldSpec[],
  model: string,
  spec: WasmSpec,
  shared?: Map<string, Float32Array>,
  sharedWorkers?: WorkerThreads,
): Promise<WasmModelRuntime> {
  const threads =
    options.threads === undefined || options.threads === true
      ? await defaultThreads()
      : options.threads === false
        ? 1
        : options.threads;
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`threads must be a positive integer, found ${threads}`);
  const workerMode = options.workers ?? 'auto';
  if (workerMode !== 'auto' && workerMode !== 'always')
    throw new Error(`workers must be 'auto' or 'always', found ${String(workerMode)}`);
  let module = compiled.get(spec.wasm);
  if (!module) {
    module = await WebAssembly.compile(decodeBase64(spec.wasm));
    compiled.set(spec.wasm, module);
  }
  let values =
    shared ??
    (options.weights
      ? readWeights(options.weights, specs, options.load)
      : initParameters(specs, options.init ?? 'pytorch', options.seed ?? 0));
  let stale = false;
  const repacked = new Set(spec.repack?.slots ?? []);
  const scratch = spec.weightBytes;
  const arena = Math.ceil((scratch + threads * spec.scratchBytes) / 64) * 64;
  let capacity = 0;
  let memory: WebAssembly.Memory | undefined;
  let exports: Record<string, (...args: number[]) => number> = {};
  // The workers start on the first batch that has a layer to split, not at create.
  const workers = sharedWorkers ?? (threads > 1 ? createWorkerThreads(threads - 1) : undefined);
  let pool: WorkerProgram | undefined;
  let profiling = false;
  let clock = () => performance.now();
  const times = new Map<string, number>();
  const imports = (mem: WebAssembly.Memory) => ({
    env: { memory: mem, exp: Math.exp, tanh: Math.tanh, pow: Math.pow },
  });

  const writeParameters = () => {
    stale = false;
    if (!memory) return;
    const effective = new Map(values);
    for (const fold of folds) {
      const [weight, bias] = foldBatchNorm(fold, values);
      effective.set(fold.weightOut, weight);
      effective.set(fold.biasOut, bias);
    }
    for (const slot of spec.weights) {
      if (repacked.has(slot.offset)) continue;
      const source = effective.get(slot.name);
      if (!source) throw new Error(`internal error: no parameter \`${slot.name}\``);
      const target = new Float32Array(memory.buffer, slot.offset, packedLength(slot.packing));
      pack(source, slot.packing, target);
    }
    if (spec.repack) exports[spec.repack.fn]();
  };

  /** Whether `layer` splits its units over the threads at `batch` (small layers do not). */
  const parallel = (layer: WasmLayerSpec, batch: number) =>
    Math.ceil(batch / layer.samplesPerUnit) * layer.unitsPerGroup > 1 &&
    (layer.macs * batch >= 200_000 || batch >= 4);

  /** Lays the memory out for `batch` samples (a new memory and module instance). */
  const ensureCapacity = async (batch: number) => {
    if (batch <= capacity) return;
    // 64 bytes of slack: vector reads of the last row of the last sample may pass its end.
    const bytes = arena + batch * spec.arenaBytes + 64;
    if (bytes > MAX_BYTES)
      throw new Error(
        `batch ${batch} needs ${bytes} bytes of WebAssembly memory, more than 4 GiB; run it in smaller batches`,
      );
    const pages = Math.ceil(bytes / PAGE);
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const instance = await WebAssembly.instantiate(module, imports(memory));
    exports = instance.exports as typeof exports;
    exports.setArena(arena);
    capacity = batch;
    writeParameters();
    pool?.detach();
    pool = undefined;
  };
  /** Instantiates the module on the workers when a layer at `batch` will use them and they pay. */
  const ensurePool = async (batch: number) => {
    if (pool || !workers || !memory || !spec.layers.some((layer) => parallel(layer, batch))) return;
    const macs = spec.layers.reduce((sum, layer) => sum + layer.macs * batch, 0);
    if (!workersPay(memory.buffer.byteLength, workers.size, workerMode, macs)) return;
    pool =
      (await workers.attach({
        module: module as WebAssembly.Module,
        memory,
        arena,
        functions: spec.layers.map((layer) => layer.fn),
        scratch,
        scratchBytes: spec.scratchBytes,
      })) ?? undefined;
  };

  const load = async (inputs: readonly Float32Array[], batch: number) => {
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`batch must be a positive integer, found ${batch}`);
    spec.inputs.forEach((input, idx) => {
      const data = inputs[idx];
      if (!(data instanceof Float32Array) || data.length !== batch * input.size)
        throw new Error(
          `input \`${input.name}\` needs ${batch} × ${input.size} = ${batch * input.size} values, found ${data?.length}`,
        );
    });
    await ensureCapacity(batch);
    await ensurePool(batch);
    if (stale) writeParameters();
    const heap = new Float32Array((memory as WebAssembly.Memory).buffer);
    spec.inputs.forEach((input, idx) => {
      for (let n = 0; n < batch; n++)
        heap.set(
          inputs[idx].subarray(n * input.size, (n + 1) * input.size),
          (arena + n * spec.arenaBytes + input.offset) / 4,
        );
    });
  };
  const runLayers = (from: number, to: number, batch: number) => {
    if (stale) writeParameters();
    for (let idx = from; idx < to; idx++) {
      const layer = spec.layers[idx];
      const start = profiling ? clock() : 0;
      const units = Math.ceil(batch / layer.samplesPerUnit) * layer.unitsPerGroup;
      const fn = exports[layer.fn];
      // Small layers stay on the calling thread: a dispatch costs a few microseconds.
      if (pool && parallel(layer, batch))
        pool.run(idx, (u0, u1) => fn(u0, u1, batch, scratch), units, batch);
      else fn(0, units, batch, scratch);
      if (profiling) times.set(layer.fn, clock() - start);
    }
  };
  const read = (list: readonly { offset: number; size: number }[], batch: number) => {
    const heap = new Float32Array((memory as WebAssembly.Memory).buffer);
    return list.map((output) => {
      const result = new Float32Array(batch * output.size);
      for (let n = 0; n < batch; n++) {
        const from = (arena + n * spec.arenaBytes + output.offset) / 4;
        result.set(heap.subarray(from, from + output.size), n * output.size);
      }
      return result;
    });
  };

  const runtime: WasmModelRuntime = {
    async run(inputs, batch) {
      await load(inputs, batch);
      runLayers(0, spec.layers.length, batch);
      return read(spec.outputs, batch);
    },
    load,
    runLayers,
    read,
    view: (sample, offset, size) =>
      new Float32Array(
        (memory as WebAssembly.Memory).buffer,
        arena + sample * spec.arenaBytes + offset,
        size,
      ),
    at: (address, length) =>
      new Float32Array((memory as WebAssembly.Memory).buffer, address, length),
    exported(name) {
      const fn = exports[name];
      if (!fn) throw new Error(`internal error: the module exports no \`${name}\``);
      return fn;
    },
    get values() {
      return values;
    },
    setValues(next) {
      values = next;
      writeParameters();
    },
    invalidate() {
      stale = true;
    },
    workers,
    finish(extra) {
      const base: WasmModelBase = {
        threads,
        backend: { mode: 'wasm', kernelClass: 'cnnc-wasm', threads },
        bufferBytes: () => capacity * spec.arenaBytes,
        parameters: () => values,
        loadWeights(bytes, loadOptions) {
          values = readWeights(bytes, specs, loadOptions);
          writeParameters();
        },
        saveWeights: () => writeWeights(specs, values, { cnnc_model: model }),
        profile(enabled, timer) {
          profiling = enabled;
          if (timer) clock = timer;
          return times;
        },
        async dispose() {
          pool = undefined;
          await workers?.close();
        },
      };
      return Object.assign(extra, base);
    },
  };
  return runtime;
}
