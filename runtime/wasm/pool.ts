// The worker threads of a wasm model: `threads − 1` worker_threads, started on the first layer
// that splits its work, shared by the model's runtimes (inference and training). Each runtime
// attaches a program (its compiled module over its shared memory); every worker instantiates it
// once and waits on a control block (an Int32Array over a SharedArrayBuffer). Dispatch is
// Atomics.store/notify, no message per layer. A Node worker costs about 8 MB of resident memory
// whatever its heap limits (its own V8 isolate and Node environment), so a model starts its
// workers once and only when a layer will use them.
//
// Work claiming. A layer's units are cut into chunks; the caller and the workers claim chunks
// from one shared word until none remain, and the caller returns when every chunk is done, so a
// descheduled worker delays a layer by at most the chunk it holds (a static split waited for its
// whole share, and for its wake-up even when it had nothing to do).
//
// The protocol. STATE holds `generation · 4 + command`; the caller bumps it (one store) for
// every dispatch, so a worker reads its generation and command in one load. CLAIM holds
// `tag << 16 | next`: the tag is the generation mod 2^16, `next` the first unclaimed chunk. A
// dispatch of generation g, after generation g − 1 completed:
//   1. CLAIM ← (tag(g), 0): from here on no claim tagged g − 1 or older succeeds;
//   2. DONE ← 0 and the parameters (program, function, batch, units, chunk);
//   3. STATE ← (g, RUN), notify; the caller claims and runs chunks as the workers do;
//   4. the caller waits for DONE = chunks.
// A worker that loads STATE = (g, RUN) loads the parameters, then loops: load CLAIM; stop when its
// tag is not tag(g) or next ≥ chunks; else compareExchange next → next + 1 and, when that
// succeeds, run chunk `next` and add 1 to DONE. Every access is an Atomics operation, so all of
// them are in one total order (sequentially consistent).
// - Each chunk of g runs exactly once: `next` only grows, one successful compareExchange hands out
//   one value, and none past `chunks`.
// - A late worker neither runs a chunk of a finished generation nor steals one of the next: its
//   compareExchange expects tag(g), and succeeds only while CLAIM still carries it, i.e. before
//   step 1 of g + 1. The parameters it loaded after STATE = (g, RUN) were stored before that
//   STATE; any of g + 1's were stored after step 1 of g + 1, so had it loaded one, its
//   compareExchange (later in the order) would find CLAIM retagged and fail. A successful claim
//   therefore runs g's function on g's units with g's parameters.
// - The caller reads results only when written: each chunk's DONE increment follows its stores,
//   and the caller's load of DONE = chunks follows every increment. No increment of g arrives
//   after that (every chunk has counted), so resetting DONE for g + 1 loses none.
// - Tags repeat every 2^16 generations; a worker stalled that long between its load of STATE and
//   its claim could see its tag again. So the caller waits for every worker to acknowledge
//   (ACKS) every 2^14th generation and every attach/detach: afterwards a worker can only hold a
//   tag of a later generation, so the tags in use are always fewer than 2^14 apart.
// - Wake-ups without a new STATE (`nudge`, or a spurious return of Atomics.wait) are waited again.
// - The caller does not wait for a worker that claimed nothing (it was late, or the caller and
//   the other workers took every chunk first); that worker finds CLAIM retagged or exhausted and
//   sleeps again.
// Units must be independent: a unit's result may not depend on which thread runs it, which units
// ran before it on that thread (scratch contents) or how units are grouped into calls;
// test/wasm/threads.test.ts runs every layer of real models one unit per call in shuffled order
// over poisoned scratch and compares the bytes with one thread.

/** Control block slots. */
const STATE = 0;
const PROGRAM = 1;
const FUNCTION = 2;
const BATCH = 3;
const UNITS = 4;
const CHUNK = 5;
const FAILED = 6;
const CLAIM = 8;
const DONE = 9;
/** Test hooks (`WorkerThreads.hold`): milliseconds the next worker stops; 1 while one is stopped. */
const HOLD = 10;
const HELD = 11;
/** Per worker: the last STATE it finished (slot `ACKS + worker`). */
const ACKS = 16;

/** Commands, the low two bits of STATE. */
const RUN = 0;
const ATTACH = 1;
const DETACH = 2;
const QUIT = 3;

/** Tags are generations mod 2^16; every attach, detach and 2^14th generation is a barrier. */
const TAG_MASK = 0xffff;
const BARRIER_EVERY = 1 << 14;
/** Chunks per generation fit the 16 bits of `next`. */
const MAX_CHUNKS = 0xffff;

/**
 * Chunks per thread a layer's units are cut into (when there are that many units): enough to
 * rebalance when a thread is descheduled, few enough that the claims and calls stay negligible
 * (a chunk costs about 20 ns uncontended; one unit per chunk took 2–19% more CPU time than this
 * for a LeNet-5 forward at batch 64, docs/wasm-target.md).
 */
export const CHUNKS_PER_THREAD = 4;

/** Units per chunk for `units` units over `threads` threads. */
export function chunkUnits(units: number, threads: number): number {
  return Math.max(
    1,
    Math.floor(units / (threads * CHUNKS_PER_THREAD)),
    Math.ceil(units / MAX_CHUNKS),
  );
}

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
const fail = (error) => {
  Atomics.store(ctl, ${FAILED}, 1);
  console.error(error);
};
for (;;) {
  // Only a new STATE is work: a wake-up without one (a notify of nothing) waits again.
  let state;
  while ((state = Atomics.load(ctl, ${STATE})) === seen) Atomics.wait(ctl, ${STATE}, seen);
  seen = state;
  const command = state & 3;
  if (command === ${QUIT}) break;
  if (command === ${ATTACH}) {
    try {
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
    } catch (error) {
      fail(error);
    }
  } else if (command === ${DETACH}) {
    programs[Atomics.load(ctl, ${PROGRAM})] = undefined;
  } else {
    const tag = (state >>> 2) & ${TAG_MASK};
    const slot = Atomics.load(ctl, ${PROGRAM});
    const fn = Atomics.load(ctl, ${FUNCTION});
    const batch = Atomics.load(ctl, ${BATCH});
    const units = Atomics.load(ctl, ${UNITS});
    const chunk = Atomics.load(ctl, ${CHUNK});
    const chunks = Math.ceil(units / chunk);
    const hold = Atomics.load(ctl, ${HOLD});
    if (hold !== 0 && Atomics.compareExchange(ctl, ${HOLD}, hold, 0) === hold) {
      // Test hook: stop here, parameters loaded, as a worker descheduled at the worst moment.
      const until = Date.now() + hold;
      Atomics.store(ctl, ${HELD}, 1);
      while (Atomics.load(ctl, ${HELD}) === 1 && Date.now() < until)
        Atomics.wait(ctl, ${HELD}, 1, until - Date.now());
      Atomics.store(ctl, ${HELD}, 0);
    }
    for (;;) {
      const claim = Atomics.load(ctl, ${CLAIM});
      const next = claim & ${TAG_MASK};
      if (claim >>> 16 !== tag || next >= chunks) break;
      if (Atomics.compareExchange(ctl, ${CLAIM}, claim, claim + 1) !== claim) continue;
      try {
        const program = programs[slot];
        const u0 = next * chunk;
        program.fns[fn](u0, Math.min(u0 + chunk, units), batch, program.scratch);
      } catch (error) {
        fail(error);
      }
      if (Atomics.add(ctl, ${DONE}, 1) === chunks - 1) Atomics.notify(ctl, ${DONE});
    }
  }
  Atomics.store(ctl, ack, seen);
  Atomics.notify(ctl, ack);
}
`;

/** One runtime's module on the workers. */
export interface WorkerProgram {
  /** Workers (the calling thread not included). */
  readonly size: number;
  /**
   * Runs units `[0, units)` of function `fn` in chunks claimed by the workers and the calling
   * thread (`call(u0, u1)`); returns when every chunk is done. Throws the caller's error, or an
   * internal error when a worker's chunk failed, after every chunk has run.
   */
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
  /**
   * Test hook: the next worker to load a run's parameters stops there, before its first claim,
   * until `release()` or for `ms` milliseconds (a worker descheduled at the worst moment).
   */
  hold(ms: number): void;
  /** Test hook: whether a worker is stopped by `hold`. */
  readonly holding: boolean;
  /** Test hook: lets a worker stopped by `hold` go on. */
  release(): void;
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
    const control = new SharedArrayBuffer(4 * (ACKS + size));
    const ctl = new Int32Array(control);
    const ports = [];
    for (let index = 0; index < size; index++) {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1);
      workers.push(
        new Worker(WORKER, {
          eval: true,
          workerData: { control, port: port2, index, ack: ACKS + index },
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

  /** Publishes the next STATE with `command` (the parameters are stored); returns it. */
  const publish = (ctl: Int32Array, command: number) => {
    const state = ((Atomics.load(ctl, STATE) & ~3) + 4) | command;
    Atomics.store(ctl, STATE, state);
    Atomics.notify(ctl, STATE);
    return state;
  };
  /** Waits until every worker has finished `state` (a barrier). */
  const awaitAcks = (ctl: Int32Array, state: number) => {
    for (let worker = 0; worker < size; worker++) {
      for (;;) {
        const seen = Atomics.load(ctl, ACKS + worker);
        if (seen === state) break;
        Atomics.wait(ctl, ACKS + worker, seen, 50);
      }
    }
  };
  const checkWorkers = (ctl: Int32Array) => {
    if (Atomics.load(ctl, FAILED) !== 0) {
      Atomics.store(ctl, FAILED, 0);
      throw new Error('internal error: a worker thread failed (its error is on stderr)');
    }
  };
  /** A command every worker runs (attach, detach), then a barrier. */
  const command = (ctl: Int32Array, which: number, slot: number) => {
    const generation = (Atomics.load(ctl, STATE) >>> 2) + 1;
    Atomics.store(ctl, CLAIM, ((generation & TAG_MASK) << 16) | MAX_CHUNKS);
    Atomics.store(ctl, PROGRAM, slot);
    awaitAcks(ctl, publish(ctl, which));
    checkWorkers(ctl);
  };

  /**
   * Runs `units` of function `fn` of program `slot`: chunks claimed by the caller (`call`) and
   * the workers (the protocol in the file comment); returns when every chunk is done.
   */
  const runClaimed = (
    ctl: Int32Array,
    slot: number,
    fn: number,
    call: (u0: number, u1: number) => void,
    units: number,
    batch: number,
  ) => {
    const chunk = chunkUnits(units, size + 1);
    const chunks = Math.ceil(units / chunk);
    const generation = (Atomics.load(ctl, STATE) >>> 2) + 1;
    const tag = (generation & TAG_MASK) << 16;
    Atomics.store(ctl, CLAIM, tag);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, PROGRAM, slot);
    Atomics.store(ctl, FUNCTION, fn);
    Atomics.store(ctl, BATCH, batch);
    Atomics.store(ctl, UNITS, units);
    Atomics.store(ctl, CHUNK, chunk);
    const state = publish(ctl, RUN);
    let failure: unknown;
    for (;;) {
      const claim = Atomics.load(ctl, CLAIM);
      const next = claim & TAG_MASK;
      if (next >= chunks) break;
      if (Atomics.compareExchange(ctl, CLAIM, claim, claim + 1) !== claim) continue;
      try {
        call(next * chunk, Math.min(next * chunk + chunk, units));
      } catch (error) {
        // The other chunks still run and count: the next dispatch must not overlap this one.
        failure ??= error;
      }
      Atomics.add(ctl, DONE, 1);
    }
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === chunks) break;
      Atomics.wait(ctl, DONE, done, 50);
    }
    if ((state >>> 2) % BARRIER_EVERY === 0) awaitAcks(ctl, state);
    if (failure !== undefined) throw failure;
    checkWorkers(ctl);
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
      command(ctl, ATTACH, slot);
      let attached = true;
      return {
        size,
        run(fn, call, units, batch) {
          if (!attached || closed) call(0, units);
          else runClaimed(ctl, slot, fn, call, units, batch);
        },
        detach() {
          if (!attached || closed) return;
          attached = false;
          command(ctl, DETACH, slot);
        },
      };
    },
    nudge() {
      if (controlBlock) Atomics.notify(controlBlock, STATE);
    },
    hold(ms) {
      if (controlBlock) Atomics.store(controlBlock, HOLD, Math.max(1, Math.round(ms)));
    },
    get holding() {
      return controlBlock !== undefined && Atomics.load(controlBlock, HELD) === 1;
    },
    release() {
      if (!controlBlock) return;
      Atomics.store(controlBlock, HELD, 0);
      Atomics.notify(controlBlock, HELD);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!started) return;
      const { ctl, ports } = await started;
      publish(ctl, QUIT);
      await Promise.all(workers.map((worker) => worker.terminate()));
      for (const port of ports) port.close();
      workers = [];
    },
  };
}
