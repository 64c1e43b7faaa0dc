// The worker threads of a wasm model: `threads − 1` worker_threads, started on the first layer
// that splits its work, shared by the model's runtimes (inference and training). Each runtime
// attaches a program (its compiled module over its shared memory); every worker instantiates it
// once and waits on a control block (an Int32Array over a SharedArrayBuffer). Dispatch is
// Atomics.store/notify, completion a counter the caller waits on: no message per layer. A Node
// worker costs about 8 MB of resident memory whatever its heap limits (its own V8 isolate and
// Node environment), so a model starts its workers once and only when a layer will use them.

/** Control block slots. */
const GENERATION = 0;
const COMMAND = 1;
const PROGRAM = 2;
const FUNCTION = 3;
const BATCH = 4;
const FAILED = 6;
/** Per worker: u0, u1 at RANGES + 2·worker. */
const RANGES = 8;
/**
 * Per worker, after the ranges: the last generation it finished (`acks(size) + worker`). The caller
 * waits for every worker to acknowledge *this* generation, not for a count to reach the number of
 * workers: a count can be overshot by a worker that runs a generation twice (any return from
 * `Atomics.wait` without a new generation, which once hung `cnnc train` with the count at 2 of 1)
 * or reached early by a late increment, which would let the caller read results not yet written.
 */
const acks = (size: number) => RANGES + 2 * size;

/** Commands. */
const RUN = 0;
const ATTACH = 1;
const DETACH = 2;
const QUIT = 3;

/** What a worker needs to instantiate a runtime's module. */
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

/**
 * The worker body (plain JavaScript, evaluated as CommonJS by `new Worker(code, { eval: true })`).
 * An attach arrives on the worker's port, read synchronously while the caller waits.
 */
const WORKER = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, port, index, ack } = workerData;
const ctl = new Int32Array(control);
const programs = [];
let seen = 0;
for (;;) {
  // Only a new generation is work: a wake-up without one (a notify of nothing) waits again.
  let generation;
  while ((generation = Atomics.load(ctl, ${GENERATION})) === seen) Atomics.wait(ctl, ${GENERATION}, seen);
  seen = generation;
  const command = ctl[${COMMAND}];
  if (command === ${QUIT}) break;
  try {
    if (command === ${ATTACH}) {
      const received = receiveMessageOnPort(port);
      if (!received) throw new Error('no program on the port');
      const { slot, module, memory, arena, functions, scratch, scratchBytes } = received.message;
      const { exports } = new WebAssembly.Instance(module, {
        env: { memory, exp: Math.exp, tanh: Math.tanh, pow: Math.pow },
      });
      exports.setArena(arena);
      programs[slot] = {
        fns: functions.map((name) => exports[name]),
        scratch: scratch + (index + 1) * scratchBytes,
      };
    } else if (command === ${DETACH}) {
      programs[ctl[${PROGRAM}]] = undefined;
    } else {
      const u0 = ctl[${RANGES} + 2 * index];
      const u1 = ctl[${RANGES} + 2 * index + 1];
      const program = programs[ctl[${PROGRAM}]];
      if (u1 > u0) program.fns[ctl[${FUNCTION}]](u0, u1, ctl[${BATCH}], program.scratch);
    }
  } catch (error) {
    Atomics.store(ctl, ${FAILED}, 1);
    console.error(error);
  }
  Atomics.store(ctl, ack, seen);
  Atomics.notify(ctl, ack);
}
`;

/** One runtime's module on the workers. */
export interface WorkerProgram {
  /** Workers (the calling thread not included). */
  readonly size: number;
  /** Splits `units` of function `fn` over the workers and the calling thread (`call`), waits. */
  run(fn: number, call: (u0: number, u1: number) => void, units: number, batch: number): void;
  /** Lets the workers drop the instance (its memory was replaced). */
  detach(): void;
}

/** The workers of one model, shared by its runtimes; none run until the first `attach`. */
export interface WorkerThreads {
  /** Workers (the calling thread not included). */
  readonly size: number;
  /** Whether the workers have been started. */
  readonly started: boolean;
  /** Instantiates `setup` on every worker (starting them on first use); null once closed. */
  attach(setup: PoolSetup): Promise<WorkerProgram | null>;
  /** Stops the workers; later attaches return null. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Wakes every waiting worker without new work, as a spurious return of `Atomics.wait` would;
   * workers must ignore it (test/wasm/pool.test.ts).
   */
  nudge(): void;
}

/** The workers of a model: `size` worker_threads (Node only), started on the first attach. */
export function createWorkerThreads(size: number): WorkerThreads {
  let started: Promise<{ ctl: Int32Array; ports: import('node:worker_threads').MessagePort[] }>;
  let workers: import('node:worker_threads').Worker[] = [];
  let closed = false;
  let slots = 0;
  let controlBlock: Int32Array | undefined;

  const start = async () => {
    const { Worker, MessageChannel } = await import('node:worker_threads');
    const control = new SharedArrayBuffer(4 * (acks(size) + size));
    const ctl = new Int32Array(control);
    const ports = [];
    for (let index = 0; index < size; index++) {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1);
      workers.push(
        new Worker(WORKER, {
          eval: true,
          workerData: { control, port: port2, index, ack: acks(size) + index },
          transferList: [port2],
          // A worker's JavaScript only instantiates modules; a small young generation saves
          // about 0.7 MB of resident memory per worker (measured on Node 20).
          resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
        }),
      );
    }
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
    for (const port of ports) port.unref();
    controlBlock = ctl;
    return { ctl, ports };
  };

  /** Sets the command, wakes every worker, runs `call` (the caller's share) and waits for all. */
  const dispatch = (ctl: Int32Array, command: number, call?: () => void) => {
    ctl[COMMAND] = command;
    const generation = (Atomics.add(ctl, GENERATION, 1) + 1) | 0;
    Atomics.notify(ctl, GENERATION);
    try {
      call?.();
    } finally {
      // Even when the caller's share throws, the workers finish this generation first, so the
      // next dispatch never overlaps it.
      for (let worker = 0; worker < size; worker++) {
        const slot = acks(size) + worker;
        for (;;) {
          const seen = Atomics.load(ctl, slot);
          if (seen === generation) break;
          Atomics.wait(ctl, slot, seen, 50);
        }
      }
    }
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      throw new Error('internal error: a worker thread failed (its error is on stderr)');
    }
  };

  return {
    size,
    get started() {
      return workers.length > 0;
    },
    async attach(setup) {
      if (closed) return null;
      started ??= start();
      const { ctl, ports } = await started;
      if (closed) return null;
      const slot = slots++;
      for (const port of ports) port.postMessage({ slot, ...setup });
      ctl[PROGRAM] = slot;
      dispatch(ctl, ATTACH);
      let attached = true;
      return {
        size,
        run(fn, call, units, batch) {
          if (!attached || closed) {
            call(0, units);
            return;
          }
          // Contiguous, near-equal ranges: thread t gets [t·units/T, (t+1)·units/T).
          const threads = size + 1;
          const bound = (t: number) => Math.floor((t * units) / threads);
          for (let w = 0; w < size; w++) {
            ctl[RANGES + 2 * w] = bound(w + 1);
            ctl[RANGES + 2 * w + 1] = bound(w + 2);
          }
          ctl[PROGRAM] = slot;
          ctl[FUNCTION] = fn;
          ctl[BATCH] = batch;
          dispatch(ctl, RUN, () => call(0, bound(1)));
        },
        detach() {
          if (!attached || closed) return;
          attached = false;
          ctl[PROGRAM] = slot;
          dispatch(ctl, DETACH);
        },
      };
    },
    nudge() {
      if (controlBlock) Atomics.notify(controlBlock, GENERATION);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!started) return;
      const { ctl, ports } = await started;
      ctl[COMMAND] = QUIT;
      Atomics.add(ctl, GENERATION, 1);
      Atomics.notify(ctl, GENERATION);
      await Promise.all(workers.map((worker) => worker.terminate()));
      for (const port of ports) port.close();
      workers = [];
    },
  };
}
