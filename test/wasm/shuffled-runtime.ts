// The wasm runtime with adversarial worker pools, for modules built against it (`importShuffled`).
// With `threads: 2`, a pretend pool runs every split layer on the calling thread one unit per
// call, in a seeded shuffled order, over this thread's scratch filled with 0xff bytes (NaN as a
// float, −1 as an integer) before each call: each unit is computed after arbitrary other units of
// the same layer in the same scratch, the independence of units that makes claiming
// (runtime/wasm/pool.ts) bit-identical. With `threads: 3`, the real pool of two workers, where
// every third layer stops the first worker to load its parameters for 2 ms (a late worker) and
// every fifth wakes the waiting workers with no work (`nudge`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWasmModel as createModel } from '../../runtime/wasm/model.js';
import { createWorkerThreads, type WorkerThreads } from '../../runtime/wasm/pool.js';

export * from '../../runtime/wasm/index.js';

/** Layers run through the shuffled pool, and units run, since the module was loaded. */
export const shuffled = { layers: 0, units: 0 };

/** A pool of `size` pretend workers that runs each split layer as described above. */
function shuffledThreads(size: number, seed: number): WorkerThreads {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return {
    size,
    started: true,
    async attach(setup) {
      return {
        size,
        run(_fn, call, units) {
          const order = Array.from({ length: units }, (_, idx) => idx);
          for (let idx = units - 1; idx > 0; idx--) {
            const other = Math.floor(random() * (idx + 1));
            [order[idx], order[other]] = [order[other], order[idx]];
          }
          const scratch = new Uint8Array(setup.memory.buffer, setup.scratch, setup.scratchBytes);
          for (const unit of order) {
            scratch.fill(0xff);
            call(unit, unit + 1);
          }
          shuffled.layers += 1;
          shuffled.units += units;
        },
        detach() {},
      };
    },
    async close() {},
    nudge() {},
    hold() {},
    holding: false,
    release() {},
  };
}

/** The real pool of `size` workers with late and nudged workers, as described above. */
function lateThreads(size: number): WorkerThreads {
  const real = createWorkerThreads(size);
  let runs = 0;
  return {
    size,
    get started() {
      return real.started;
    },
    async attach(setup) {
      const program = await real.attach(setup);
      if (!program) return null;
      return {
        size,
        run(fn, call, units, batch) {
          runs += 1;
          if (runs % 3 === 0) real.hold(2);
          if (runs % 5 === 0) real.nudge();
          program.run(fn, call, units, batch);
          late.layers += 1;
        },
        detach: () => program.detach(),
      };
    },
    close: () => real.close(),
    nudge: () => real.nudge(),
    hold: (ms) => real.hold(ms),
    get holding() {
      return real.holding;
    },
    release: () => real.release(),
  };
}

/** Layers run through the late-worker pool since the module was loaded. */
export const late = { layers: 0 };

/** The adversarial pool for `threads` (see above); none for one thread. */
function adversarial(threads: number): WorkerThreads | undefined {
  if (threads === 2) return shuffledThreads(threads, 7);
  if (threads === 3) return lateThreads(threads - 1);
  if (threads > 1)
    throw new Error(`the test runtime has pools for 2 and 3 threads, not ${threads}`);
  return undefined;
}

/** `createWasmModel` with the adversarial pool for `threads` (the training runtime shares it). */
export const createWasmModel: typeof createModel = (
  options,
  specs,
  folds,
  model,
  spec,
  shared,
  workers,
) =>
  createModel(
    options,
    specs,
    folds,
    model,
    spec,
    shared,
    workers ?? adversarial(typeof options.threads === 'number' ? options.threads : 1),
  );

const OUT = resolve('build/test-wasm-shuffled');

/** Imports generated `code` (built against runtime/wasm/index.ts) with this runtime instead. */
export async function importShuffled<M>(name: string, code: string): Promise<M> {
  const runtime = pathToFileURL(resolve('runtime/wasm/index.ts')).href;
  const here = pathToFileURL(resolve('test/wasm/shuffled-runtime.ts')).href;
  if (!code.includes(runtime)) throw new Error(`${name}: the module does not import ${runtime}`);
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.ts`);
  writeFileSync(path, code.split(runtime).join(here));
  return (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as M;
}
