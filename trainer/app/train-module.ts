// `cnnc train`'s first half: compile the `.cnn` file, pick the model, build its module with the
// training code (JavaScript, into a temporary directory) and import it. The module imports the
// runtime this CLI runs next to, so no package resolution is involved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { renderTerminal } from '../../compiler/diagnostics/render-terminal.js';
import { buildModel, tracer } from '../../compiler/emit/build-module.js';
import { wasmGap } from '../../compiler/emit/target-choice.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import type { ModelGraph, TrainConfig } from '../../compiler/ir/graph.js';
import type { CreateOptions } from '../../runtime/model.js';
import type {
  Evaluation,
  StepOptions,
  StepResult,
  TrainingBase,
  TrainSpec,
} from '../../runtime/training.js';
import type { ModelBase } from '../../runtime/model.js';
import { compileFile } from '../../compiler/host/compile-file.js';
import type { Io } from '../../compiler/host/io.js';

/** A trainable generated model with one input, as `cnnc train` drives it. */
export type TrainableModel = ModelBase &
  TrainingBase & {
    forward(input: Float32Array, batch: number): Promise<Float32Array>;
    trainStep(
      input: Float32Array,
      labels: ArrayLike<number>,
      batch: number,
      options?: StepOptions,
    ): Promise<StepResult>;
    evaluate(input: Float32Array, labels: ArrayLike<number>, batch: number): Promise<Evaluation>;
  };

/** What a generated module exports. */
export interface TrainableModule {
  create(options?: CreateOptions | { seed?: number; threads?: number }): Promise<TrainableModel>;
  inputShape: readonly number[];
  outputShape: readonly number[];
  trainSpec: TrainSpec;
  parameterSpecs: readonly { name: string; shape: readonly number[] }[];
}

/** The loaded module of one model, or an exit code after the problem was reported. */
export type LoadedModel =
  | {
      ok: true;
      module: TrainableModule;
      model: ModelGraph;
      source: string;
      /** The source texts by file, for building variants of the model (`cnnc inspect`). */
      texts: Map<string, string>;
      /** Where the module runs (`auto` resolved). */
      target: 'gpujs' | 'wasm';
      /** With `auto` on gpu.js: the layer the wasm target cannot train, and why (not printed). */
      fallback?: string;
    }
  /** `wasmGap`: with `wasm`, the layer the wasm target cannot train, and why (not printed). */
  | { ok: false; code: number; wasmGap?: string };

/** The runtime next to this file: sources under tsx, `dist/` when compiled. */
function runtimeUrl(target: 'gpujs' | 'wasm'): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const path = target === 'wasm' ? 'runtime/wasm/index' : 'runtime/index';
  return new URL(`../../${path}.${extension}`, import.meta.url).href;
}

function pickModel(
  models: readonly ModelGraph[],
  train: readonly TrainConfig[],
  name: string | undefined,
): ModelGraph | string {
  if (name) return models.find((m) => m.name === name) ?? `no model \`${name}\``;
  const trained = models.filter((m) => train.some((config) => config.model === m.name));
  if (trained.length === 1 || (trained.length > 1 && models.length > 1)) return trained[0];
  if (models.length === 1) return models[0];
  return models.length === 0 ? 'no model' : 'several models; choose one with --model';
}

/**
 * Compiles `file` and imports the training module of its model, built for `target`: `auto` is the
 * wasm target when the model trains there (compiler/emit/target-choice.ts, as `cnnc build`
 * decides), else gpu.js.
 */
export async function loadTrainableModel(
  file: string,
  modelName: string | undefined,
  io: Io,
  check?: (
    model: ModelGraph,
    file: string,
    texts: ReadonlyMap<string, string>,
  ) => string | undefined,
  requested: 'gpujs' | 'wasm' | 'auto' = 'gpujs',
): Promise<LoadedModel> {
  const compiled = compileFile(file);
  if (compiled.usage) return (io.err(`error: ${compiled.usage}`), { ok: false, code: 2 });
  if (!compiled.result) return { ok: false, code: 1 };
  const { program, texts } = compiled.result;
  const render = (diagnostics: readonly Diagnostic[]) =>
    io.err(
      renderTerminal(diagnostics, (f) => texts.get(f), {
        color: io.color,
        files: [file],
      }).trimEnd(),
    );
  const errors = compiled.result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return (render(errors), { ok: false, code: 1 });
  const model = pickModel(program.models, program.train, modelName);
  if (typeof model === 'string')
    return (io.err(`error: ${model} in ${file}`), { ok: false, code: 2 });
  // Checks that need only the graph (inputs, parameter sizes) run before code generation.
  const refused = check?.(model, file, texts);
  if (refused) return (io.err(`error: ${refused}`), { ok: false, code: 1 });
  const source = file.split('\\').join('/');
  const train = program.train.find((config) => config.model === model.name);
  const gap =
    requested === 'gpujs'
      ? null
      : wasmGap(model, { level: 2, conv: 'auto', training: true, ...(train ? { train } : {}) });
  const problem = gap
    ? `\`${gap.op}\` at ${tracer(texts, (f) => f.split('\\').join('/'))(gap.span.file, gap.span.start)}: ${gap.reason}`
    : undefined;
  if (problem && requested === 'wasm') return { ok: false, code: 1, wasmGap: problem };
  const target = requested === 'gpujs' || gap ? 'gpujs' : 'wasm';
  const built = await buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'js',
    source,
    texts,
    runtimeModule: runtimeUrl(target),
    ...(target === 'wasm' ? { target: wasmTarget } : {}),
    training: true,
    train,
  });
  if (!built.code) return (render(built.diagnostics), { ok: false, code: 1 });
  const module = await importBuiltModule<TrainableModule>(built.code);
  return {
    ok: true,
    module,
    model,
    source,
    texts,
    target,
    ...(problem ? { fallback: problem } : {}),
  };
}

/** Imports generated JavaScript (written to a temporary file, removed afterwards). */
export async function importBuiltModule<T>(code: string): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cnnc-train-'));
  try {
    const path = join(dir, 'model.mjs');
    writeFileSync(path, code);
    return (await import(pathToFileURL(path).href)) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The runtime module URL generated code should import in this process. */
export function runtimeModuleUrl(): string {
  return runtimeUrl('gpujs');
}
