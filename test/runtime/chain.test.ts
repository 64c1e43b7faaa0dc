// Layers chained in one gpu.js pipeline (no readback between layers) give the same result as the
// same layers run one by one.
import test from 'ava';
import { createBackend } from '../../runtime/backend.js';
import { compileChain } from '../../runtime/chain.js';
import { adaptivePool2d } from '../../runtime/kernels/adaptive-pool2d.js';
import { add } from '../../runtime/kernels/add.js';
import { conv2d } from '../../runtime/kernels/conv2d.js';
import { conv2dIm2col } from '../../runtime/kernels/im2col.js';
import { dropout } from '../../runtime/kernels/dropout.js';
import { linear } from '../../runtime/kernels/linear.js';
import { describeConv2d } from './conv2d-cases.js';
import { assertClose, randomTensor } from './support.js';

for (const threads of [false, true]) {
  test(`conv → conv(im2col) + residual relu → global avgpool → dropout → linear, threads=${threads}`, async (t) => {
    const backend = createBackend({ mode: 'webasm', threads });
    try {
      const batch = 2;
      const stem = conv2d(
        backend,
        describeConv2d({ x: [3, 16, 16], out: 8, k: [3, 3], p: [1, 1, 1, 1], act: 'relu' }),
      );
      const body = conv2dIm2col(
        backend,
        describeConv2d({ x: [8, 16, 16], out: 8, k: [3, 3], p: [1, 1, 1, 1] }),
      );
      const join = add(backend, { features: 8 * 16 * 16, inputs: 2, activation: { kind: 'relu' } });
      const pool = adaptivePool2d(backend, {
        kind: 'avg',
        channels: 8,
        inHeight: 16,
        inWidth: 16,
        outHeight: 1,
        outWidth: 1,
      });
      const drop = dropout({ features: 8, p: 0.5 });
      const head = linear(backend, { inFeatures: 8, outFeatures: 5 });
      const x = randomTensor('chain x', batch * 3 * 256);
      const params = [
        randomTensor('chain w0', 8 * 3 * 9),
        randomTensor('chain b0', 8),
        randomTensor('chain w1', 8 * 8 * 9),
        null,
        randomTensor('chain w2', 5 * 8),
        randomTensor('chain b2', 5),
      ];
      const chain = compileChain(
        backend,
        [
          { layer: stem, inputs: [{ input: 0 }, { param: 0 }, { param: 1 }] },
          { layer: body, inputs: [{ step: 0 }, { param: 2 }, { param: 3 }] },
          { layer: join, inputs: [{ step: 1 }, { step: 0 }] },
          { layer: pool, inputs: [{ step: 2 }] },
          { layer: drop, inputs: [{ step: 3 }] },
          { layer: head, inputs: [{ step: 4 }, { param: 4 }, { param: 5 }] },
        ],
        batch,
        [5, 0],
      );
      const [logits, features] = await chain([x], params);
      const executor = `${chain.executorKind} (${chain.fallbackReason})`;
      const h0 = await stem(x, params[0]!, params[1], batch);
      const h1 = await body(h0, params[2]!, null, batch);
      const h2 = await join(h1, h0, batch);
      const h3 = await pool(h2, batch);
      const expected = await head(await drop(h3, batch), params[4]!, params[5], batch);
      t.is(logits.length, batch * 5);
      assertClose(t, logits, expected, 1e-5, 1e-6);
      assertClose(t, features, h0, 1e-6, 1e-7);
      t.regex(executor, /^fused-/, 'intermediates stay in wasm memory');
      t.is(executor.startsWith('fused-threaded'), backend.threaded);
      // A second call reuses the compiled plan with new inputs.
      const again = await chain([x.map((v) => -v)], params);
      t.notDeepEqual(again[0], logits);
    } finally {
      await backend.dispose();
    }
  });
}
