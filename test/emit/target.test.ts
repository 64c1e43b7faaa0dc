// `--target gpujs|browser` (and `node`, the old name of `gpujs`) bakes an explicit gpu.js mode into
// the generated `create`: `webasm` in Node, `gpu` in browsers (options passed to `create` still win).
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';

async function createCall(platform?: 'node' | 'browser'): Promise<string> {
  const source = 'model M {\n  input x: [4]\n  linear(2)\n  output y\n}\n';
  const compiled = compileSource('m.cnn', source);
  const built = await buildModel(compiled.program.models[0], {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: 'm.cnn',
    texts: compiled.texts,
    ...(platform ? { platform } : {}),
  });
  const line = /createModelRuntime\(\s*(\{[^}]*\}|options)/.exec(built.code);
  return line ? line[1].replace(/\s+/g, ' ').trim() : '';
}

test('the node target defaults create() to the webasm mode', async (t) => {
  t.is(await createCall('node'), "{ mode: 'webasm', ...options }");
});

test('the browser target defaults create() to the gpu mode', async (t) => {
  t.is(await createCall('browser'), "{ mode: 'gpu', ...options }");
});

test('without a target the runtime chooses by environment', async (t) => {
  t.is(await createCall(), 'options');
});
