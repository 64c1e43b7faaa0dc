// The gpu.js backend a generated module runs on: one `GPU` with an explicit mode, a cache that
// reuses specialised kernels across layers and calls, and the plumbing shared by every layer kernel.
import * as gpujs from 'gpu.js';
import { GPU, Input, WebAssemblyKernel } from 'gpu.js';
import type { IKernelRunShortcut, KernelFunction } from 'gpu.js';

/**
 * The gpu.js modes cnnc runs on. `webasm` (WebAssembly SIMD, worker threads when `threads` is on) is
 * the default in Node and the deterministic backend the tests use; `gpu` lets gpu.js pick a WebGL
 * backend in browsers (`webgl2`, `webgl`: exactly that version); `cpu` (plain JavaScript, accumulates
 * in float64) and `webgpu` are on request.
 */
export type BackendMode = 'webasm' | 'gpu' | 'cpu' | 'webgpu' | 'webgl2' | 'webgl';

/**
 * The gpu.js kernel class that actually runs a backend's kernels. `gpu` resolves to one of the GL
 * classes (`HeadlessGL` is gpu.js's Node binding of the native `gl` package), never silently to
 * another: {@link createBackend} refuses `gpu` where no WebGL context exists.
 */
export type KernelClass = 'WebGL2' | 'WebGL' | 'HeadlessGL' | 'WebAssembly' | 'CPU' | 'WebGPU';

/** Options of {@link createBackend}. */
export interface BackendOptions {
  /** Defaults to `webasm` in Node and `gpu` in browsers. */
  mode?: BackendMode;
  /**
   * Split large kernels across a worker pool (webasm only; needs `SharedArrayBuffer`). Defaults to
   * true where wasm threads exist. Results are bit-identical with and without threads.
   */
  threads?: boolean;
  /** Workers per threaded kernel; gpu.js defaults to the number of cores. */
  poolSize?: number;
}

/** A compiled gpu.js kernel; called with arrays it returns a flat `Float32Array` (or a Promise of it). */
export type GpuKernel = IKernelRunShortcut;

/** A kernel function as gpu.js parses it; `this.constants` holds the shape constants. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KernelSource = KernelFunction<any, any>;

/** What a kernel is specialised on. Every loop bound must be one of these constants. */
export type KernelConstants = Readonly<Record<string, number>>;

/** Counters of the kernel cache, for tests and `--explain` style reports. */
export interface CacheStats {
  hits: number;
  misses: number;
}

/** A gpu.js instance plus the kernel cache. Dispose it to release worker pools and GPU memory. */
export interface Backend {
  readonly mode: BackendMode;
  /** The kernel class gpu.js chose for `mode`: what actually runs (e.g. `WebGL2` for `gpu`). */
  readonly kernelClass: KernelClass;
  /** Whether kernels run under gpu.js's async contract, which on webasm engages worker threads. */
  readonly threaded: boolean;
  readonly gpu: GPU;
  readonly stats: CacheStats;
  /**
   * Returns the kernel computing `source` over a 1-D output of `outputLength` cells, specialised on
   * `constants`; built on first request and reused afterwards (the key is `kind` plus the constants).
   */
  kernel(
    kind: string,
    source: KernelSource,
    constants: KernelConstants,
    outputLength: number,
    helpers?: readonly KernelSource[],
  ): GpuKernel;
  /** Number of distinct kernels built so far. */
  readonly size: number;
  dispose(): Promise<void>;
}

function isBrowser(): boolean {
  // A page has `window`; a Web Worker has `importScripts` (module workers included) but no window.
  const scope = globalThis as { window?: unknown; importScripts?: unknown };
  return typeof scope.window !== 'undefined' || typeof scope.importScripts === 'function';
}

/** Whether webasm can run kernels on worker threads here (wasm shared memory is available). */
export function threadsAvailable(): boolean {
  // NOTE: `isThreadsSupported` exists at runtime but not in gpu.js's typings.
  const kernelClass = WebAssemblyKernel as unknown as { isThreadsSupported?: boolean };
  return GPU.isWebAssemblySupported && kernelClass.isThreadsSupported === true;
}

/** Creates a backend with an explicit gpu.js mode (never gpu.js's own silent fallback chain). */
export function createBackend(options: BackendOptions = {}): Backend {
  const mode: BackendMode = options.mode ?? (isBrowser() ? 'gpu' : 'webasm');
  if (mode === 'webasm' && !GPU.isWebAssemblySupported) {
    throw new Error(
      'backend `webasm` is not available: WebAssembly with SIMD is not supported here',
    );
  }
  // NOTE: threads only exist under the async contract, so a threaded backend's kernels return
  // Promises; webgpu kernels are always asynchronous.
  const threaded = mode === 'webasm' && (options.threads ?? true) && threadsAvailable();
  const gpu = newGpu(mode);
  let kernelClass: KernelClass;
  try {
    kernelClass = kernelClassOf(gpu, mode);
  } catch (error) {
    void gpu.destroy();
    throw error;
  }
  const cache = new Map<string, GpuKernel>();
  const stats: CacheStats = { hits: 0, misses: 0 };
  return {
    mode,
    kernelClass,
    threaded,
    gpu,
    stats,
    get size() {
      return cache.size;
    },
    kernel(kind, source, constants, outputLength, helpers = []) {
      const key = kernelKey(kind, constants, outputLength);
      const cached = cache.get(key);
      if (cached) {
        stats.hits++;
        return cached;
      }
      stats.misses++;
      const kernel = gpu.createKernel(source, {
        output: [outputLength],
        constants: { ...constants },
        functions: [...helpers],
        precision: 'single',
        tactic: 'precision',
        asyncMode: threaded || mode === 'webgpu',
        ...(threaded && options.poolSize ? { poolSize: options.poolSize } : {}),
      } as Parameters<GPU['createKernel']>[1]);
      cache.set(key, kernel);
      return kernel;
    },
    async dispose() {
      cache.clear();
      await gpu.destroy();
    },
  };
}

// The classes are compared by identity: a minifying bundler renames them, so `.name` would lie.
// NOTE: gpu.js's typings omit some kernel classes, hence the lookup by export name.
const KERNEL_CLASSES = (
  [
    ['WebGL2Kernel', 'WebGL2'],
    ['WebGLKernel', 'WebGL'],
    ['HeadlessGLKernel', 'HeadlessGL'],
    ['WebAssemblyKernel', 'WebAssembly'],
    ['CPUKernel', 'CPU'],
    ['WebGPUKernel', 'WebGPU'],
  ] as const
).map(([name, kernelClass]) => [(gpujs as Record<string, unknown>)[name], kernelClass] as const);

function unavailable(mode: BackendMode, instead?: KernelClass): Error {
  const runs = instead ? ` (gpu.js would run ${instead} instead)` : '';
  return new Error(
    `backend \`${mode}\` is not available here: no ${mode === 'webgpu' ? 'WebGPU' : 'WebGL context'}${runs}; ask for mode 'webasm' or 'cpu'`,
  );
}

/** A GPU in `mode`; gpu.js's own error for an unsupported explicit mode is replaced by a plain one. */
function newGpu(mode: BackendMode): GPU {
  try {
    return new GPU({ mode });
  } catch {
    throw unavailable(mode);
  }
}

/**
 * The class behind `gpu`. Throws a plain error when `mode` is not what runs: gpu.js's `gpu` mode
 * silently takes WebAssembly where no WebGL context exists (Node without `gl`, a worker without
 * OffscreenCanvas), and an unsupported `webgl2`/`webgl` leaves no kernel at all.
 */
function kernelClassOf(gpu: GPU, mode: BackendMode): KernelClass {
  const chosen = (gpu as unknown as { Kernel?: unknown }).Kernel;
  const kernelClass = KERNEL_CLASSES.find(([candidate]) => candidate === chosen)?.[1];
  const gl: readonly KernelClass[] = ['WebGL2', 'WebGL', 'HeadlessGL'];
  if (kernelClass === undefined || (mode === 'gpu' && !gl.includes(kernelClass)))
    throw unavailable(mode, kernelClass);
  return kernelClass;
}

/**
 * Throws when gpu.js silently degraded `kernel` to its cpu backend (webasm does so for kernel maps
 * and texture or image arguments); cnnc never wants a different backend than the one it asked for.
 */
export function checkNoFallback(kernel: GpuKernel): void {
  const reason = (kernel.kernel as { fallbackReason?: string | null }).fallbackReason;
  if (reason) throw new Error(`a kernel fell back to the cpu backend: ${reason}`);
}

/**
 * Wraps a flat tensor as a gpu.js `Input` so a kernel can index it as `v[z][y][x]`. `shape` is
 * outermost first and at most 3-D (gpu.js silently drops a 4th dimension), e.g.
 * `[batch · channels, height, width]` for an NCHW tensor. NOTE: gpu.js's typings declare `input` as
 * a type only, so the runtime always constructs `new Input`.
 */
export function inputView(data: Float32Array, shape: readonly number[]): Input {
  if (shape.length < 1 || shape.length > 3) {
    throw new Error(
      `gpu.js inputs have 1 to 3 dimensions, found [${shape.join(', ')}]; flatten first`,
    );
  }
  const size = shape.reduce((acc, dim) => acc * dim, 1);
  if (size !== data.length) {
    throw new Error(`input view [${shape.join(', ')}] needs ${size} values, found ${data.length}`);
  }
  const dims = [...shape].reverse() as [number] | [number, number] | [number, number, number];
  return new Input(data as unknown as number[], dims);
}

/** The cache key of a kernel: its kind, output length and constants in a stable order. */
export function kernelKey(kind: string, constants: KernelConstants, outputLength: number): string {
  const names = Object.keys(constants).sort();
  return `${kind}[${outputLength}]` + names.map((name) => `${name}=${constants[name]}`).join(',');
}
