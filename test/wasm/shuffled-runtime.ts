// The wasm runtime with a worker pool that runs every split layer on the calling thread one unit
// per call, in a seeded shuffled order, over this thread's scratch filled with 0xff bytes (NaN as
// a float, −1 as an integer) before each call. Modules built against it (`importShuffled`)
// compute each unit after arbitrary other units of the same layer in the same scratch: the
// independence of units that makes claiming (runtime/wasm/pool.ts) bit-identical.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWasmModel as createModel } from '../../runtime/wasm/model.js';
import type { WorkerThreads } from '../../runtime/wasm/pool.js';

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

/** `createWasmModel` with the shuffled pool when `threads` > 1 (the training runtime shares it). */
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
    workers ?? ((options.threads ?? 1) > 1 ? shuffledThreads(options.threads ?? 1, 7) : undefined),
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
