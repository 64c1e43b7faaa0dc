// Builds `.cnn` source text into a module under build/test-emit/, imports it (ava runs through
// tsx) and returns its exports; the runtime import points at the sources so no build is needed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { buildModel, type BuildOptions } from '../../compiler/emit/build-module.js';
import type { ModelBase, CreateOptions } from '../../runtime/model.js';

const OUT = resolve('build/test-emit');
const RUNTIME = pathToFileURL(resolve('runtime/index.ts')).href;

/** What a generated module exports. */
export interface GeneratedModule {
  create(
    options?: CreateOptions,
  ): Promise<ModelBase & { forward(...args: unknown[]): Promise<Float32Array> }>;
  inputShape: readonly number[];
  outputShape: readonly number[];
  parameterSpecs: readonly { name: string; shape: readonly number[] }[];
}

/** Compiles and builds `source`; throws with the diagnostics when it does not build. */
export async function buildSource(
  name: string,
  source: string,
  options: Partial<Pick<BuildOptions, 'level' | 'conv'>> = {},
): Promise<{ code: string; module: GeneratedModule }> {
  const file = `${name}.cnn`;
  const compiled = compileSource(file, source);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${name}: ${errors.map((d) => d.message).join('; ')}`);
  const built = await buildModel(compiled.program.models[0], {
    level: options.level ?? 2,
    conv: options.conv ?? 'auto',
    emit: 'ts',
    source: file,
    texts: compiled.texts,
    runtimeModule: RUNTIME,
    verify: true,
  });
  if (!built.code)
    throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.ts`);
  writeFileSync(path, built.code);
  const module = (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as GeneratedModule;
  return { code: built.code, module };
}

/** A deterministic input in [-1, 1). */
export function inputFor(length: number, seed = 1): Float32Array {
  let state = seed * 2654435761;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}
