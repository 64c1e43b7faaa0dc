// A generated model in a module Web Worker, behind the same async API as on the page: the page
// calls `forward` and gets a Promise, while the kernels (WebGL2 through OffscreenCanvas, or
// WebAssembly) and gpu.js's synchronous WebGL readback run on the worker's thread, so the page's
// main thread never blocks. `serveModel` runs in the worker; `connectWorker` on the page.
import type { BackendMode, KernelClass } from './backend.js';
import type { CreateOptions, ModelBase } from './model.js';

/** A backend mode, or `auto`: WebGL (2, else 1) when the worker has it, else WebAssembly. */
export type WorkerMode = BackendMode | 'auto';

/** Options of a worker model: those of `create` that can cross to a worker, and `auto`. */
export interface WorkerCreateOptions extends Pick<CreateOptions, 'seed' | 'init' | 'weights'> {
  /** Default `auto`. An explicit mode that is not available rejects with gpu.js's reason. */
  mode?: WorkerMode;
}

/** The backend a worker model runs on. */
export interface WorkerBackend {
  readonly mode: BackendMode;
  /** The gpu.js kernel class that runs: `WebGL2`, `WebGL`, `WebAssembly`, `CPU`, `WebGPU`. */
  readonly kernelClass: KernelClass;
  /** Why `auto` did not get WebGL (the error of the `gpu` attempt), when it fell back. */
  readonly fallback?: string;
}

/** A model running in a worker. `forward` takes the generated `forward`'s arguments. */
export interface WorkerModel {
  readonly backend: WorkerBackend;
  forward(...args: (Float32Array | number)[]): Promise<Float32Array>;
  /** Disposes the model and terminates the worker. */
  dispose(): Promise<void>;
}

/** What a generated module exports that a worker needs. */
export interface ServedModule {
  create(options?: CreateOptions): Promise<
    ModelBase & {
      forward(...args: never[]): Promise<Float32Array | Record<string, Float32Array>>;
    }
  >;
}

type RequestBody =
  | { kind: 'create'; options: WorkerCreateOptions }
  | { kind: 'forward'; args: (Float32Array | number)[] }
  | { kind: 'dispose' };
type Request = RequestBody & { id: number };

type Reply =
  | { id: number; ok: true; backend?: WorkerBackend; result?: Float32Array }
  | { id: number; ok: false; message: string };

/** The part of a worker's (or the page's) global scope used here. */
export interface MessageScope {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates `module`'s model in `mode`; `auto` tries `gpu` and falls back to `webasm`. */
async function createIn(module: ServedModule, options: WorkerCreateOptions) {
  const { mode = 'auto', ...rest } = options;
  if (mode !== 'auto') return { model: await module.create({ ...rest, mode }) };
  try {
    return { model: await module.create({ ...rest, mode: 'gpu' }) };
  } catch (error) {
    return { model: await module.create({ ...rest, mode: 'webasm' }), fallback: messageOf(error) };
  }
}

/**
 * Runs in the worker: answers `create`, `forward` and `dispose` requests for `module`. `scope` is
 * the worker's global scope by default (tests pass one end of a `MessageChannel`).
 */
export function serveModel(
  module: ServedModule,
  scope: MessageScope = globalThis as unknown as MessageScope,
): void {
  let model: Awaited<ReturnType<ServedModule['create']>> | undefined;
  // Requests are served one at a time, in order, as a model on one backend runs them anyway.
  let queue: Promise<void> = Promise.resolve();
  const handle = async (request: Request): Promise<Reply> => {
    if (request.kind === 'create') {
      const created = await createIn(module, request.options);
      model = created.model;
      const { mode, kernelClass } = model.backend;
      const backend = {
        mode,
        kernelClass,
        ...(created.fallback ? { fallback: created.fallback } : {}),
      };
      return { id: request.id, ok: true, backend };
    }
    if (!model) throw new Error('the worker model was not created');
    if (request.kind === 'dispose') {
      await model.dispose();
      model = undefined;
      return { id: request.id, ok: true };
    }
    const output = await model.forward(...(request.args as never[]));
    if (!(output instanceof Float32Array))
      throw new Error('a worker model returns one output; this model has several');
    return { id: request.id, ok: true, result: output };
  };
  scope.addEventListener('message', (event) => {
    const request = event.data as Request;
    queue = queue.then(async () => {
      const reply = await handle(request).catch((error: unknown): Reply => ({
        id: request.id,
        ok: false,
        message: messageOf(error),
      }));
      const transfer = reply.ok && reply.result ? [reply.result.buffer as ArrayBuffer] : [];
      scope.postMessage(reply, transfer);
    });
  });
}

/** The page side of a worker: `postMessage` in, `message`/`error` events out. */
export interface WorkerLike extends MessageScope {
  addEventListener(type: 'message' | 'error', listener: (event: { data: unknown }) => void): void;
  terminate(): void;
}

/**
 * Creates the model in `worker` (started on the worker bundle) and returns its page-side handle.
 * Rejects with a plain message when the worker cannot start or the requested mode is unavailable.
 */
export async function connectWorker(
  worker: WorkerLike,
  options: WorkerCreateOptions = {},
): Promise<WorkerModel> {
  const pending = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  let next = 0;
  worker.addEventListener('message', (event) => {
    const reply = event.data as Reply;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new Error(reply.message));
  });
  worker.addEventListener('error', (event) => {
    const message = (event as { message?: string }).message ?? 'the worker failed to start';
    for (const waiter of pending.values()) waiter.reject(new Error(message));
    pending.clear();
  });
  const call = (request: RequestBody, transfer: Transferable[] = []) =>
    new Promise<Reply & { ok: true }>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (reply: Reply) => void, reject });
      worker.postMessage({ ...request, id }, transfer);
    });
  const created = await call({ kind: 'create', options }).catch((error: unknown) => {
    worker.terminate();
    throw error;
  });
  const backend = created.backend as WorkerBackend;
  return {
    backend,
    async forward(...args) {
      // Copies cross to the worker; the caller keeps its arrays.
      return (await call({ kind: 'forward', args })).result as Float32Array;
    },
    async dispose() {
      await call({ kind: 'dispose' }).finally(() => worker.terminate());
    },
  };
}
