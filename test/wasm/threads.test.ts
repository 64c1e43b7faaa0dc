// Results of the wasm target are bit-identical for any thread count: every work unit runs the
// same instructions whichever thread takes it. A small residual CNN with convolutions (padded,
// strided, 1×1), pooling, add and linear layers, at a batch that engages the pool in every layer.
import test from 'ava';
import { availableParallelism } from 'node:os';
import { inputFor } from '../emit/build-helper.js';
import { buildWasm } from './build-wasm.js';

const SOURCE = `model Net {
  input x: [3, 20, 20]
  conv(16, 3, pad=1)
  relu
  maxpool(2)
  residual {
    conv(16, 3, pad=1)
    relu
    conv(16, 3, pad=1)
  }
  conv(24, 1, stride=2)
  avgpool(global)
  flatten
  linear(10)
  output y
}
`;

test('threads = 1, 2 and 3 give the same bytes', async (t) => {
  const { module } = await buildWasm('threads', SOURCE);
  const batch = 9;
  const x = inputFor(batch * 3 * 20 * 20, 21);
  const outputs: Float32Array[] = [];
  for (const threads of [1, 2, 3]) {
    const net = await module.create({ seed: 5, threads, workers: 'always' });
    try {
      t.is(net.threads, threads);
      outputs.push(await net.forward(x, batch));
      // A second call reuses the pool and must agree too.
      t.deepEqual(await net.forward(x, batch), outputs[outputs.length - 1]);
    } finally {
      await net.dispose();
    }
  }
  const bytes = outputs.map((output) => Buffer.from(output.buffer));
  t.true(bytes[0].length > 0);
  t.true(bytes[0].equals(bytes[1]), 'threads 1 and 2');
  t.true(bytes[0].equals(bytes[2]), 'threads 1 and 3');
});

test('a larger batch than before re-lays the memory and keeps the weights', async (t) => {
  const { module } = await buildWasm('threads-grow', SOURCE);
  const net = await module.create({ seed: 5, threads: 2, workers: 'always' });
  try {
    const one = inputFor(3 * 20 * 20, 22);
    const first = await net.forward(one, 1);
    const many = new Float32Array(17 * 3 * 20 * 20);
    for (let n = 0; n < 17; n++) many.set(one, n * one.length);
    const grown = await net.forward(many, 17);
    for (let n = 0; n < 17; n++) t.deepEqual(grown.subarray(n * 10, (n + 1) * 10), first);
  } finally {
    await net.dispose();
  }
});

test('threads default to the core count in Node', async (t) => {
  const { module } = await buildWasm('threads-default', SOURCE);
  const net = await module.create({ seed: 5 });
  try {
    t.is(net.threads, Math.min(availableParallelism(), 16));
  } finally {
    await net.dispose();
  }
});
