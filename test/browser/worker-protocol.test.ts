// The worker protocol of runtime/worker.ts, in Node over a MessageChannel (the same messages a
// page and its Web Worker exchange): `auto` falls back to WebAssembly where there is no WebGL and
// says why, an explicit unavailable mode rejects plainly, and `forward` returns what the model
// returns when called directly.
import test from 'ava';
import { MessageChannel } from 'node:worker_threads';
import {
  connectWorker,
  serveModel,
  type ServedModule,
  type WorkerLike,
} from '../../runtime/worker.js';
import { buildSource, inputFor } from '../emit/build-helper.js';

const SOURCE = `model Tiny {
  input image: [1, 8, 8]
  conv(4, 3, pad=1)
  relu
  maxpool(2)
  flatten
  linear(3)
  output logits
}
`;

/** A page-side worker handle and a served model, joined by a MessageChannel. */
function channel(module: ServedModule): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  serveModel(module, port1 as unknown as Parameters<typeof serveModel>[1]);
  port1.start();
  port2.start();
  return {
    addEventListener: (type, listener) =>
      port2.addEventListener(type, listener as unknown as (event: Event) => void),
    postMessage: (message, transfer) => port2.postMessage(message, transfer as never),
    terminate: () => {
      port1.close();
      port2.close();
    },
  };
}

test('auto falls back to WebAssembly without WebGL, says why, and forwards like the model', async (t) => {
  const { module } = await buildSource('worker_tiny', SOURCE);
  const worker = await connectWorker(channel(module as unknown as ServedModule), { seed: 3 });
  t.is(worker.backend.mode, 'webasm');
  t.is(worker.backend.kernelClass, 'WebAssembly');
  t.is(
    worker.backend.fallback,
    "backend `gpu` is not available here: no WebGL context (gpu.js would run WebAssembly instead); ask for mode 'webasm' or 'cpu'",
  );
  const direct = await module.create({ seed: 3, mode: 'webasm' });
  t.teardown(() => direct.dispose());
  const input = inputFor(2 * 64, 5);
  const copy = input.slice();
  const expected = await direct.forward(input, 2);
  t.deepEqual(Array.from(await worker.forward(input, 2)), Array.from(expected));
  t.deepEqual(input, copy, "the caller's input is copied, not transferred");
  await worker.dispose();
});

test('an unavailable explicit mode rejects with the plain reason', async (t) => {
  const { module } = await buildSource('worker_tiny', SOURCE);
  const error = await t.throwsAsync(
    connectWorker(channel(module as unknown as ServedModule), { mode: 'webgl2' }),
  );
  t.is(
    error?.message,
    "backend `webgl2` is not available here: no WebGL context; ask for mode 'webasm' or 'cpu'",
  );
});

test('a forward error comes back as a rejection, and the model keeps serving', async (t) => {
  const { module } = await buildSource('worker_tiny', SOURCE);
  const worker = await connectWorker(channel(module as unknown as ServedModule), {
    mode: 'cpu',
  });
  t.is(worker.backend.kernelClass, 'CPU');
  t.is(worker.backend.fallback, undefined);
  await t.throwsAsync(worker.forward(new Float32Array(5), 1), { message: /image/ });
  t.is((await worker.forward(inputFor(64), 1)).length, 3);
  await worker.dispose();
});
