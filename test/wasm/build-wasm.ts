// Builds `.cnn` source text for the wasm target into build/test-wasm/, imports the module (ava runs
// through tsx) and returns its exports; the runtime import points at the sources.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions } from '../../compiler/emit/build-module.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import type { WasmCreateOptions, WasmModelBase } from '../../runtime/wasm/index.js';
import { buildAndImport } from '../emit/build-helper.js';

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
export function buildWasm(
  name: string,
  source: string,
  options: Partial<Pick<BuildOptions, 'level' | 'conv'>> = {},
): Promise<{ code: string; module: WasmModule }> {
  return buildAndImport<WasmModule>(name, source, options, {
    out: OUT,
    runtime: RUNTIME,
    target: wasmTarget,
  });
}
