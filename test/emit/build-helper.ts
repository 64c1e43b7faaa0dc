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

/** Where a test build writes its module and which runtime and target it uses. */
export interface BuildPlace {
  /** Folder of the written modules. */
  out: string;
  /** URL of the runtime sources the module imports. */
  runtime: string;
  target?: BuildOptions['target'];
}

/** Compiles `source`, builds it for `place`, writes and imports the module; throws with the diagnostics. */
export async function buildAndImport<M>(
  name: string,
  source: string,
  options: Partial<Pick<BuildOptions, 'level' | 'conv' | 'training'>>,
  place: BuildPlace,
): Promise<{ code: string; module: M }> {
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
    runtimeModule: place.runtime,
    ...(place.target ? { target: place.target } : {}),
    verify: true,
    training: options.training === true,
  });
  if (!built.code)
    throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  mkdirSync(place.out, { recursive: true });
  const path = join(place.out, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.ts`);
  writeFileSync(path, built.code);
  const module = (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as M;
  return { code: built.code, module };
}

/** Compiles and builds `source`; throws with the diagnostics when it does not build. */
export function buildSource(
  name: string,
  source: string,
  options: Partial<Pick<BuildOptions, 'level' | 'conv' | 'training'>> = {},
): Promise<{ code: string; module: GeneratedModule }> {
  return buildAndImport<GeneratedModule>(name, source, options, { out: OUT, runtime: RUNTIME });
}

/** A deterministic input in [-1, 1). */
export function inputFor(length: number, seed = 1): Float32Array {
  let state = seed * 2654435761;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}
