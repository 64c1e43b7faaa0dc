// Builds `.cnn` source text for the wasm target into build/test-wasm/, imports the module (ava runs
// through tsx) and returns its exports; the runtime import points at the sources.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { buildModel, type BuildOptions } from '../../compiler/emit/build-module.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import type { WasmCreateOptions, WasmModelBase } from '../../runtime/wasm/index.js';

const OUT = resolve('build/test-wasm');
const RUNTIME = pathToFileURL(resolve('runtime/wasm/index.ts')).href;

/** What a module generated for the wasm target exports. */
export interface WasmModule {
  create(
    options?: WasmCreateOptions,
  ): Promise<WasmModelBase & { forward(...args: unknown[]): Promise<Float32Array> }>;
  inputShape: readonly number[];
  outputShape: readonly number[];
  parameterSpecs: readonly { name: string; shape: readonly number[] }[];
}

/** Compiles and builds `source` for the wasm target; throws with the diagnostics when it does not build. */
export async function buildWasm(
  name: string,
  source: string,
  options: Partial<Pick<BuildOptions, 'level' | 'conv'>> = {},
): Promise<{ code: string; module: WasmModule }> {
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
    target: wasmTarget,
    verify: true,
  });
  if (!built.code)
    throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.ts`);
  writeFileSync(path, built.code);
  const module = (await import(`${pathToFileURL(path).href}?v=${Date.now()}`)) as WasmModule;
  return { code: built.code, module };
}
