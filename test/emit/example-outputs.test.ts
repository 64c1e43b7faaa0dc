// The outputs of the examples' inference forwards do not move: test/golden/outputs/examples.json
// holds, for the examples that run in a few seconds, the batch-1 output of seed-0 weights on a
// fixed input, recorded with the code before issue 10 (one fresh array per layer, training half
// in every module; fashion_cnn, whose source changed meanwhile, by main's code at the merge of
// its new version). Every forward since must agree within 1e-6. Written once; never regenerated
// by this test.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { buildSource, inputFor } from './build-helper.js';

const expected = JSON.parse(readFileSync('test/golden/outputs/examples.json', 'utf8')) as Record<
  string,
  Record<string, number[]>
>;

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

interface Module {
  create(options: object): Promise<{
    forward(...args: unknown[]): Promise<Float32Array | Record<string, Float32Array>>;
    dispose(): Promise<void>;
  }>;
  inputShapes: Record<string, readonly number[]>;
}

for (const [key, outputs] of Object.entries(expected)) {
  const [file] = key.split('/');
  test.serial(`${key}: outputs unchanged within 1e-6`, async (t) => {
    t.timeout(300_000);
    const { module } = await buildSource(
      `outputs-${file.replace('.cnn', '')}`,
      readFileSync(`examples/${file}`, 'utf8'),
    );
    const { inputShapes, create } = module as unknown as Module;
    const model = await create({ backend: shared(), seed: 0 });
    try {
      const inputs = Object.values(inputShapes).map((shape, idx) =>
        inputFor(
          shape.reduce((acc, dim) => acc * dim, 1),
          idx + 1,
        ),
      );
      const result = await model.forward(...inputs, 1);
      const actual = result instanceof Float32Array ? { out: result } : result;
      t.deepEqual(Object.keys(actual).sort(), Object.keys(outputs).sort());
      for (const [name, values] of Object.entries(outputs)) {
        const got = actual[name];
        t.is(got.length, values.length, name);
        const worst = values.reduce((acc, v, idx) => Math.max(acc, Math.abs(v - got[idx])), 0);
        t.true(worst <= 1e-6, `${name}: max |Δ| ${worst}`);
      }
    } finally {
      await model.dispose();
    }
  });
}
