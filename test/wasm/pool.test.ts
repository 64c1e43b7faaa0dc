// The worker pool's claiming protocol (runtime/wasm/pool.ts) on a tiny module built with binaryen:
// every unit of every dispatch runs exactly once and is written when `run` returns, whatever the
// timing: a wake-up without new work (`nudge`, what a spurious return of Atomics.wait looks like),
// a worker that holds a slow chunk, a worker stopped between loading a run's parameters and its
// first claim (`hold`) while the caller finishes that run and starts the next ones, for longer
// than the claim tags take to repeat, and failing chunks on the caller or on a worker.
import test from 'ava';
import binaryen from 'binaryen';
import { createWorkerThreads, type WorkerProgram } from '../../runtime/wasm/pool.js';
import { slowSuite } from '../helpers/suite.js';

/** Int32 regions of the test memory: counts (`count`, `slow`, `trap`), marks (`mark`), starts (`slow`). */
const COUNTS = 0;
const MARKS = 1024;
const STARTS = 2048;
const SPIN = 3072;

/** A unit loop whose body sees the unit address `$a` (u · 4). */
const units = (name: string, body: string, locals = '') => `
  (func (export "${name}") (param $u0 i32) (param $u1 i32) (param $batch i32) (param $scr i32)
    (local $u i32) (local $a i32) ${locals}
    (local.set $u (local.get $u0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $u) (local.get $u1)))
      (local.set $a (i32.shl (local.get $u) (i32.const 2)))
      ${body}
      (local.set $u (i32.add (local.get $u) (i32.const 1)))
      (br $next))))`;
const bump = (region: number) =>
  `(drop (i32.atomic.rmw.add offset=${region * 4} (local.get $a) (i32.const 1)))`;

/**
 * `count`: counts[u] += 1. `mark`: marks[u] += 1. `slow`: starts[u] += 1, then `batch` atomic
 * adds on a spare word, then counts[u] += 1. `trap`: counts[u] += 1, but unit `batch` traps.
 */
const WAT = `(module
  (import "env" "memory" (memory 1 1 shared))
  (func (export "setArena") (param i32))
  ${units('count', bump(COUNTS))}
  ${units('mark', bump(MARKS))}
  ${units(
    'slow',
    `${bump(STARTS)}
      (local.set $i (i32.const 0))
      (block $spun (loop $spin
        (br_if $spun (i32.ge_u (local.get $i) (local.get $batch)))
        (drop (i32.atomic.rmw.add (i32.const ${SPIN * 4}) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $spin)))
      ${bump(COUNTS)}`,
    '(local $i i32)',
  )}
  ${units('trap', `(if (i32.eq (local.get $u) (local.get $batch)) (then unreachable)) ${bump(COUNTS)}`)})`;

const FUNCTIONS = ['count', 'mark', 'slow', 'trap'] as const;
type Fn = (u0: number, u1: number, batch: number, scratch: number) => void;

/** The module, an instance on the calling thread and `workers` worker threads attached to it. */
async function setUp(workers: number) {
  const parsed = binaryen.parseText(WAT);
  parsed.setFeatures(binaryen.Features.All);
  if (!parsed.validate()) throw new Error('invalid test module');
  const module = new WebAssembly.Module(new Uint8Array(parsed.emitBinary()));
  parsed.dispose();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const fns = FUNCTIONS.map((name) => exports[name] as Fn);
  const threads = createWorkerThreads(workers);
  const program = await threads.attach({
    module,
    memory,
    arena: 0,
    functions: [...FUNCTIONS],
    scratch: 60_000,
    scratchBytes: 0,
  });
  if (!program) throw new Error('no program');
  const heap = new Int32Array(memory.buffer);
  /** Runs function `fn` over `count` units; `during` runs in the caller's first chunk. */
  const run = (fn: number, count: number, batch = 0, during?: () => void) => {
    let first = true;
    program.run(
      fn,
      (u0, u1) => {
        if (first) during?.();
        first = false;
        fns[fn](u0, u1, batch, 0);
      },
      count,
      batch,
    );
  };
  return { threads, program: program as WorkerProgram, heap, run };
}

/** The index of the first of `length` ints at `region` that is not `expected`, or -1. */
function firstWrong(heap: Int32Array, region: number, length: number, expected: number): number {
  return heap.subarray(region, region + length).findIndex((value) => value !== expected);
}

/** Spins until `done()` or `ms` milliseconds. */
function spinUntil(done: () => boolean, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (!done()) if (Date.now() > deadline) return false;
  return true;
}

test('every unit runs exactly once per run, for any unit count, over 3 workers', async (t) => {
  const { threads, heap, run } = await setUp(3);
  try {
    const sizes = [1, 2, 3, 5, 8, 13, 25, 64, 100, 257, 1000];
    for (let round = 0; round < 30; round++)
      for (const size of sizes) {
        heap.fill(0, COUNTS, COUNTS + 1024);
        // Units of a few microseconds (`slow`, 500 atomic adds), so that every thread claims.
        run(2, size, 500);
        // `run` returned: every unit was written, once, and nothing past the units.
        const wrong = firstWrong(heap, COUNTS, size, 1);
        if (wrong >= 0) return t.fail(`${size} units: unit ${wrong} ran ${heap[wrong]} times`);
        if (firstWrong(heap, COUNTS + size, 1024 - size, 0) >= 0)
          return t.fail(`${size} units: a unit past the end ran`);
      }
    t.pass();
  } finally {
    await threads.close();
  }
});

test('a wake-up without work is ignored, after an attach and after a run', async (t) => {
  const { threads, heap, run } = await setUp(1);
  try {
    // Right after the attach, once the worker waits: a worker that took this wake-up for new
    // work would attach again (no program on its port: a failure) or acknowledge twice.
    await new Promise((resolve) => setTimeout(resolve, 50));
    threads.nudge();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let round = 1; round <= 50; round++) {
      run(0, 8, 0, () => {
        // Once the worker has claimed the rest and waits again, wake it with nothing to do.
        spinUntil(() => Atomics.load(heap, COUNTS + 7) >= round, 2000);
        threads.nudge();
      });
      const wrong = firstWrong(heap, COUNTS, 8, round);
      if (wrong >= 0) return t.fail(`round ${round}: unit ${wrong} ran ${heap[wrong]} times`);
    }
    t.pass();
  } finally {
    await threads.close();
  }
});

test('the caller waits for a chunk that a slow worker holds', async (t) => {
  const { threads, heap, run } = await setUp(1);
  try {
    for (let round = 1; round <= 5; round++) {
      heap.fill(0, 0, SPIN);
      // The caller's first chunk waits until the worker has started one, then the caller takes
      // every other chunk quickly while the worker's chunk spins (2·10^6 atomic adds).
      run(2, 8, 2_000_000, () => {
        spinUntil(() => firstWrong(heap, STARTS + 1, 7, 0) >= 0, 2000);
      });
      const wrong = firstWrong(heap, COUNTS, 8, 1);
      if (wrong >= 0) return t.fail(`round ${round}: unit ${wrong} counted ${heap[wrong]} times`);
    }
    t.pass();
  } finally {
    await threads.close();
  }
});

test('a late worker neither runs a finished run nor steals from the next', async (t) => {
  const { threads, heap, run } = await setUp(1);
  try {
    for (let round = 1; round <= 5; round++) {
      heap.fill(0, 0, SPIN);
      threads.hold(5000);
      // Run 1 (`count`): the worker loads its parameters and stops; the caller runs every chunk.
      run(0, 8, 0, () => {
        spinUntil(() => threads.holding, 2000);
      });
      // Run 2 (`mark`): the worker goes on with run 1's parameters while run 2 has chunks left.
      run(1, 8, 0, () => {
        threads.release();
        spinUntil(() => false, 30);
      });
      const counted = firstWrong(heap, COUNTS, 8, 1);
      if (counted >= 0)
        return t.fail(`round ${round}: count of unit ${counted} ran ${heap[counted]} times`);
      const marked = firstWrong(heap, MARKS, 8, 1);
      if (marked >= 0)
        return t.fail(`round ${round}: mark of unit ${marked} ran ${heap[MARKS + marked]} times`);
    }
    t.pass();
  } finally {
    await threads.close();
  }
});

// 2^16 dispatches: `npm run test:slow` (ava.config.js).
if (slowSuite)
  test('a worker stopped for 2^16 runs does not take its tag for a later run', async (t) => {
    const { threads, heap, run } = await setUp(1);
    try {
      threads.hold(1000);
      run(0, 8, 0, () => {
        spinUntil(() => threads.holding, 2000);
      });
      // 2^16 runs later the claim word carries the stopped run's tag again; the caller released the
      // worker only there, but the barrier every 2^14 runs waited for it (up to its 1 s hold).
      for (let idx = 1; idx <= 65536; idx++)
        run(
          1,
          2,
          0,
          idx === 65536 ? () => (threads.release(), spinUntil(() => false, 30)) : undefined,
        );
      t.is(firstWrong(heap, COUNTS, 8, 1), -1, 'count ran once per unit');
      t.is(firstWrong(heap, MARKS, 2, 65536), -1, 'mark ran once per unit and run');
    } finally {
      await threads.close();
    }
  });

test('a failing chunk is reported, on the caller or on a worker, and the pool goes on', async (t) => {
  const { threads, heap, run } = await setUp(2);
  try {
    // Unit 5 traps (chunks of 2 units: it is in chunk 2, after unit 4); `run` throws after every
    // other unit ran, and the next run is whole. In odd rounds the caller's first chunk waits
    // until a worker has run unit 4, so that the trap is a worker's.
    for (let round = 0; round < 10; round++) {
      heap.fill(0, COUNTS, COUNTS + 1024);
      const onWorker = () => spinUntil(() => Atomics.load(heap, COUNTS + 4) > 0, 2000);
      const error = t.throws(() => run(3, 24, 5, round % 2 === 1 ? onWorker : undefined));
      t.regex(error?.message ?? '', /unreachable|worker thread failed/);
      t.is(firstWrong(heap, COUNTS, 5, 1), -1);
      t.is(firstWrong(heap, COUNTS + 6, 18, 1), -1);
      heap.fill(0, COUNTS, COUNTS + 1024);
      run(0, 24);
      t.is(firstWrong(heap, COUNTS, 24, 1), -1);
    }
  } finally {
    await threads.close();
  }
});
