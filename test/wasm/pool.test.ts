// The worker pool's dispatch protocol (runtime/wasm/pool.ts) on a tiny module built with binaryen:
// every unit of every dispatch runs exactly once, and a wake-up without new work (what a
// spurious return of Atomics.wait looks like, injected with `nudge`) neither re-runs the last
// generation nor upsets the next dispatch. The old protocol (a done-counter the caller waited to
// reach the number of workers) re-ran the generation on such a wake-up, overshot the counter and
// hung the caller for ever: seen in `cnnc train` on Fashion-MNIST, counter 2 of 1.
import test from 'ava';
import binaryen from 'binaryen';
import { createWorkerThreads } from '../../runtime/wasm/pool.js';

/** `count(u0, u1)`: memory[u] += 1 (i32, atomically) for every unit u in [u0, u1). */
const WAT = `(module
  (import "env" "memory" (memory 1 1 shared))
  (func (export "setArena") (param i32))
  (func (export "count") (param $u0 i32) (param $u1 i32) (param $batch i32) (param $scr i32)
    (local $u i32)
    (local.set $u (local.get $u0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $u) (local.get $u1)))
      (drop (i32.atomic.rmw.add (i32.shl (local.get $u) (i32.const 2)) (i32.const 1)))
      (local.set $u (i32.add (local.get $u) (i32.const 1)))
      (br $next)))))`;

function compile(): WebAssembly.Module {
  const module = binaryen.parseText(WAT);
  module.setFeatures(binaryen.Features.All);
  if (!module.validate()) throw new Error('invalid test module');
  const bytes = module.emitBinary();
  module.dispose();
  return new WebAssembly.Module(new Uint8Array(bytes));
}

test('each unit runs once per dispatch, and a wake-up without work is ignored', async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const counts = new Int32Array(memory.buffer);
  const module = compile();
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const count = instance.exports.count as (u0: number, u1: number, b: number, s: number) => void;
  const threads = createWorkerThreads(1);
  try {
    const program = await threads.attach({
      module,
      memory,
      arena: 0,
      functions: ['count'],
      scratch: 1024,
      scratchBytes: 0,
    });
    if (!program) return t.fail('no program');
    const units = 8;
    for (let round = 1; round <= 50; round++) {
      program.run(
        0,
        (u0, u1) => {
          count(u0, u1, 1, 0);
          // Once the worker has done its share and waits again, wake it with nothing to do.
          const deadline = Date.now() + 2000;
          while (Atomics.load(counts, units - 1) < round && Date.now() < deadline);
          threads.nudge();
        },
        units,
        1,
      );
      // The caller returned: every unit ran exactly `round` times, none twice in a round.
      const wrong = [...counts.subarray(0, units)].findIndex((value) => value !== round);
      if (wrong >= 0) return t.fail(`round ${round}: unit ${wrong} ran ${counts[wrong]} times`);
    }
    t.pass();
  } finally {
    await threads.close();
  }
});
