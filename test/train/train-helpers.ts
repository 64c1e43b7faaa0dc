// Builds a `.cnn` model with its training code into build/test-train/ and imports it (ava runs
// through tsx, and the runtime import points at the sources), for the training tests.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import type { TrainableModule } from '../../trainer/app/train-module.js';

const OUT = resolve('build/test-train');
const RUNTIME = pathToFileURL(resolve('runtime/index.ts')).href;

/** Compiles `source` (or the file `path` when `source` is omitted) and imports its module. */
export async function buildTrainable(
  name: string,
  path: string,
  source?: string,
): Promise<TrainableModule> {
  const text = source ?? readFileSync(path, 'utf8');
  const compiled = compileSource(path, text);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${name}: ${errors.map((d) => d.message).join('; ')}`);
  const model = compiled.program.models[0];
  const built = await buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: path,
    texts: compiled.texts,
    runtimeModule: RUNTIME,
    verify: true,
    training: true,
    train: compiled.program.train.find((config) => config.model === model.name),
  });
  if (!built.code)
    throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.ts`);
  writeFileSync(file, built.code);
  return (await import(`${pathToFileURL(file).href}?v=${Date.now()}`)) as TrainableModule;
}
