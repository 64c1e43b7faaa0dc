// The `train` section's `init` reaches the generated `create`: `normal(std)` draws weights from
// N(0, std²) with zero biases, `he` from N(0, 2 / fan_in); without `init`, PyTorch's default.
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import type { GeneratedModule } from './build-helper.js';

async function weightsFor(name: string, init: string): Promise<Map<string, Float32Array>> {
  const file = `${name}.cnn`;
  const train = init ? `train M {\n  init = ${init}\n}\n` : '';
  const source = `model M {\n  input x: [400]\n  linear(100)\n  output y\n}\n${train}`;
  const compiled = compileSource(file, source);
  const built = await buildModel(compiled.program.models[0], {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: file,
    texts: compiled.texts,
    train: compiled.program.train[0],
    runtimeModule: pathToFileURL(resolve('runtime/index.ts')).href,
  });
  const out = resolve('build/test-emit');
  mkdirSync(out, { recursive: true });
  const path = join(out, `init_${name}.ts`);
  writeFileSync(path, built.code);
  const module = (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as GeneratedModule;
  const model = await module.create({ seed: 3 });
  const parameters = new Map(model.parameters());
  await model.dispose();
  return parameters;
}

function moments(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((acc, v) => acc + v, 0) / values.length;
  const variance = values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

function weightAndBias(parameters: Map<string, Float32Array>): [Float32Array, Float32Array] {
  const names = [...parameters.keys()];
  const weight = parameters.get(names.find((n) => n.endsWith('weight'))!)!;
  const bias = parameters.get(names.find((n) => n.endsWith('bias'))!)!;
  return [weight, bias];
}

test('init = normal(0.05): weights ~ N(0, 0.05²), biases zero', async (t) => {
  const [weight, bias] = weightAndBias(await weightsFor('normal', 'normal(0.05)'));
  t.is(weight.length, 40_000);
  const { mean, std } = moments(weight);
  // 40,000 samples: the sample std is within ~1% of 0.05 and the mean within ~0.001 of 0.
  t.true(Math.abs(std - 0.05) < 0.05 * 0.03, `std ${std}`);
  t.true(Math.abs(mean) < 0.002, `mean ${mean}`);
  t.true(bias.every((v) => v === 0));
});

test('init = he: weights ~ N(0, 2 / fan_in) with fan_in = 400', async (t) => {
  const [weight] = weightAndBias(await weightsFor('he', 'he'));
  const { std } = moments(weight);
  const expected = Math.sqrt(2 / 400);
  t.true(Math.abs(std - expected) < expected * 0.03, `std ${std}, expected ${expected}`);
});

test('without init, PyTorch default: weights ~ U(±1/√fan_in), nonzero biases', async (t) => {
  const [weight, bias] = weightAndBias(await weightsFor('default', ''));
  const bound = 1 / Math.sqrt(400);
  t.true(weight.every((v) => Math.abs(v) <= bound));
  // A uniform distribution on ±b has std b/√3.
  const { std } = moments(weight);
  t.true(Math.abs(std - bound / Math.sqrt(3)) < (bound / Math.sqrt(3)) * 0.03, `std ${std}`);
  t.true(bias.some((v) => v !== 0));
});
