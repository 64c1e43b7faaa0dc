// The f32x4 forms of pooling and elementwise layers, on shapes wide enough to use them, and their
// split into units at batch 1 (several units a sample): max pooling at stride 1 and 2 (four
// outputs a vector, scalar borders and tails) must equal the float64 reference exactly (a maximum
// is one of its inputs); add and activation over a count that is not a multiple of four and spans
// several units, within 1e-6, on 1 and 2 threads with the same bytes.
import test from 'ava';
import * as ref from '../helpers/reference.js';
import { inputFor } from '../emit/build-helper.js';
import { buildWasm } from './build-wasm.js';

const POOLS = [
  { layer: 'maxpool(3, stride=2, pad=1)', kernel: 3, stride: 2, pad: 1, input: [5, 23, 41] },
  { layer: 'maxpool(2)', kernel: 2, stride: 2, pad: 0, input: [3, 18, 34] },
  { layer: 'maxpool(3, stride=1, pad=1)', kernel: 3, stride: 1, pad: 1, input: [4, 9, 30] },
  { layer: 'maxpool(3, stride=1)', kernel: 3, stride: 1, pad: 0, input: [2, 7, 13] },
] as const;

for (const [idx, pool] of POOLS.entries()) {
  test(`${pool.layer} on ${pool.input.join('×')}: exact maxima, 1 and 2 threads`, async (t) => {
    const source = `model M {\n  input x: [${pool.input.join(', ')}]\n  ${pool.layer}\n  output y\n}\n`;
    const { module } = await buildWasm(`vector-pool-${idx}`, source);
    const batch = 2;
    const x = inputFor(batch * pool.input.reduce((a, b) => a * b, 1), 40 + idx);
    const expected = ref.pool2d(ref.tensor(x, [batch, ...pool.input]), {
      kind: 'max',
      kernel: [pool.kernel, pool.kernel],
      stride: [pool.stride, pool.stride],
      pads: [
        [pool.pad, pool.pad],
        [pool.pad, pool.pad],
      ],
      ceil: false,
      countIncludePad: false,
      p: 1,
    });
    for (const threads of [1, 2]) {
      const model = await module.create({ threads, workers: 'always' });
      try {
        const y = await model.forward(x, batch);
        t.is(y.length, expected.data.length);
        const wrong = y.findIndex((value, i) => value !== expected.data[i]);
        t.is(
          wrong,
          -1,
          wrong >= 0 ? `element ${wrong}: ${y[wrong]} ≠ ${expected.data[wrong]}` : '',
        );
      } finally {
        await model.dispose();
      }
    }
  });
}

test('residual add + relu over 3·261·261 floats (not a multiple of 4, several units)', async (t) => {
  // The residual's two convolutions are 1×1 with 3 channels (no Winograd), so the add and the
  // relu after it are elementwise layers over 204,363 floats a sample (over the 200k at which a layer splits over threads at batch 1).
  const source = `model M {
  input x: [3, 261, 261]
  residual {
    conv(3, 1)
    relu
    conv(3, 1)
  }
  relu
  output y
}
`;
  const { module } = await buildWasm('vector-add', source);
  const x = inputFor(3 * 261 * 261, 50);
  const outputs: Float32Array[] = [];
  for (const threads of [1, 2]) {
    const model = await module.create({ threads, seed: 9 });
    try {
      outputs.push(await model.forward(x, 1));
      if (threads === 1) {
        const p = model.parameters();
        const param = (name: string, shape: number[]) =>
          ref.tensor(p.get(name) as Float32Array, shape);
        const conv = (input: ref.RefTensor, prefix: string) =>
          ref.convNd(input, param(`${prefix}.weight`, [3, 3, 1, 1]), param(`${prefix}.bias`, [3]), {
            stride: [1, 1],
            dilation: [1, 1],
            pads: [
              [0, 0],
              [0, 0],
            ],
            groups: 1,
            padMode: 'zeros',
          });
        const input = ref.tensor(x, [1, 3, 261, 261]);
        const names = module.parameterSpecs.map((spec) => spec.name);
        t.is(names.length, 4, names.join(', '));
        const hidden = ref.tensor(
          ref.activateAll(conv(input, names[0].replace(/\.weight$/, '')).data, 'relu'),
          [1, 3, 261, 261],
        );
        const branch = conv(hidden, names[2].replace(/\.weight$/, ''));
        const expected = ref.activateAll(
          branch.data.map((value, i) => value + input.data[i]),
          'relu',
        );
        let worst = 0;
        for (let i = 0; i < expected.length; i++)
          worst = Math.max(worst, Math.abs(outputs[0][i] - expected[i]));
        t.true(worst < 1e-5, `max |error| ${worst}`);
      }
    } finally {
      await model.dispose();
    }
  }
  t.true(Buffer.from(outputs[0].buffer).equals(Buffer.from(outputs[1].buffer)), 'threads 1 and 2');
});
