// What a wasm-target training step allocates on the JS heap, sampled by V8's heap profiler (every
// allocation, also those collected since): in this test the first LeNet-5 step at batch 64
// allocated 3.1–4.7 MB when the optimizer and the repacking of the weights ran as JavaScript
// loops (boxed doubles while they ran in the interpreter, which grew V8's young generation by
// 4 MB of resident memory), and 0.24–0.25 MB with both in the training module (mostly the loss,
// on the host). The bound leaves a wide margin both ways. Alone in its file: the process must be
// fresh (warm optimizer loops would allocate little on the old code too).
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import test from 'ava';
import { buildTrain, seeded } from './build-train.js';

const LENET = readFileSync('examples/lenet5.cnn', 'utf8');
const BATCH = 64;

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}

const total = (node: ProfileNode): number =>
  node.children.reduce((sum, child) => sum + total(child), node.selfSize);

test('the first LeNet-5 training step at batch 64 allocates less than 1.25 MB on the JS heap', async (t) => {
  const { module } = await buildTrain('lenet5-allocation', LENET);
  const model = await module.create({ threads: 1, seed: 1 });
  const session = new Session();
  session.connect();
  try {
    const x = seeded(BATCH * 784, 11);
    const labels = Array.from({ length: BATCH }, (_, idx) => (idx * 7) % 10);
    await session.post('HeapProfiler.enable');
    const sampled = async (run: () => Promise<unknown>) => {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 512,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await run();
      const { profile } = await session.post('HeapProfiler.stopSampling');
      return total(profile.head as ProfileNode);
    };
    t.true(model.optimizer.stepInPlace !== undefined, 'the optimizer runs in the training module');
    const first = await sampled(() => model.trainStep(x, labels, BATCH));
    t.log(`first step: ${(first / 1024).toFixed(0)} KB`);
    t.true(first < 1.25 * 2 ** 20, `the first step allocated ${first} bytes`);
    // The sampler sees allocations at all (a bound that holds for nothing would prove nothing).
    const control = await sampled(async () =>
      Array.from({ length: 2 ** 15 }, (_, i) => ({ value: i })),
    );
    t.log(`control: ${(control / 1024).toFixed(0)} KB`);
    t.true(control > 0.4 * 2 ** 20, `32,768 objects and their array sampled as ${control} bytes`);
  } finally {
    session.disconnect();
    await model.dispose();
  }
});
