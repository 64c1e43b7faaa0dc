// The worker pool of a wasm model: `threads − 1` worker_threads instantiate the same module over
// the same shared memory and wait on a control block (an Int32Array over a SharedArrayBuffer).
// Dispatch is Atomics.store/notify, completion a counter the caller waits on: no message per layer.

/** Control block slots. */
const GENERATION = 0;
const FUNCTION = 1;
const BATCH = 2;
const QUIT = 3;
const DONE = 4;
/** Per worker: u0, u1 at RANGES + 2·worker. */
const RANGES = 8;

/** What a worker needs to instantiate the model's module. */
export interface PoolSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  arena: number;
  /** Export names, in the order `run` refers to them. */
  functions: string[];
  /** Scratch address of worker `w` is `scratch + (w + 1) · scratchBytes`. */
  scratch: number;
  scratchBytes: number;
}

/** The worker body (plain JavaScript, evaluated as CommonJS by `new Worker(code, { eval: true })`). */
const WORKER = `
const { workerData } = require('node:worker_threads');
const { module, memory, arena, functions, scratch, control, index } = workerData;
const { exports } = new WebAssembly.Instance(module, {
  env: { memory, exp: Math.exp, tanh: Math.tanh, pow: Math.pow },
});
exports.setArena(arena);
const fns = functions.map((name) => exports[name]);
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${GENERATION}, seen);
  seen = Atomics.load(ctl, ${GENERATION});
  if (Atomics.load(ctl, ${QUIT}) !== 0) break;
  const u0 = ctl[${RANGES} + 2 * index];
  const u1 = ctl[${RANGES} + 2 * index + 1];
  if (u1 > u0) fns[ctl[${FUNCTION}]](u0, u1, ctl[${BATCH}], scratch);
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

/** A pool of `size` workers; `run` splits units over them and the calling thread. */
export interface WorkerPool {
  readonly size: number;
  run(fn: number, call: (u0: number, u1: number) => void, units: number, batch: number): void;
  close(): Promise<void>;
}

/** Starts `size` workers over `setup` (Node only: `node:worker_threads`). */
export async function startPool(setup: PoolSetup, size: number): Promise<WorkerPool> {
  const { Worker } = await import('node:worker_threads');
  const control = new SharedArrayBuffer(4 * (RANGES + 2 * (size + 1)));
  const ctl = new Int32Array(control);
  const workers = Array.from(
    { length: size },
    (_, index) =>
      new Worker(WORKER, {
        eval: true,
        workerData: {
          module: setup.module,
          memory: setup.memory,
          arena: setup.arena,
          functions: setup.functions,
          scratch: setup.scratch + (index + 1) * setup.scratchBytes,
          control,
          index,
        },
      }),
  );
  // Workers must be waiting before the first dispatch; they start within milliseconds.
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('online', () => resolve());
          worker.once('error', reject);
        }),
    ),
  );
  for (const worker of workers) worker.unref();
  return {
    size,
    run(fn, call, units, batch) {
      // Contiguous, near-equal ranges: thread t gets [t·units/T, (t+1)·units/T).
      const threads = size + 1;
      const bound = (t: number) => Math.floor((t * units) / threads);
      for (let w = 0; w < size; w++) {
        ctl[RANGES + 2 * w] = bound(w + 1);
        ctl[RANGES + 2 * w + 1] = bound(w + 2);
      }
      ctl[FUNCTION] = fn;
      ctl[BATCH] = batch;
      Atomics.store(ctl, DONE, 0);
      Atomics.add(ctl, GENERATION, 1);
      Atomics.notify(ctl, GENERATION);
      call(0, bound(1));
      for (;;) {
        const done = Atomics.load(ctl, DONE);
        if (done === size) break;
        Atomics.wait(ctl, DONE, done, 50);
      }
    },
    async close() {
      Atomics.store(ctl, QUIT, 1);
      Atomics.add(ctl, GENERATION, 1);
      Atomics.notify(ctl, GENERATION);
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
