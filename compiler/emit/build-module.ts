// The `cnnc build` pipeline after checking: optimise each model, plan it for a target, emit
// TypeScript with ts-morph, format with prettier, and optionally transpile to JavaScript.
import { format } from 'prettier';
import { ts } from 'ts-morph';
import { buildLineIndex, displayPositionAt, type LineIndex } from '../diagnostics/line-index.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelGraph, TrainConfig } from '../ir/graph.js';
import type { Graph } from '../ir/opt-graph.js';
import type { ConvChoice, Pass, PassNote } from '../passes/pass.js';
import { optimize, optimizeForTraining, type OptLevel } from '../passes/registry.js';
import { emitModuleText, type TrainingEmit } from './emit-module.js';
import { planBackward } from './plan-backward.js';
import { trainInitOf, trainSpecOf } from './train-spec.js';
import { gpujsTarget } from './gpujs-target.js';
import { planModule } from './plan-module.js';
import type { Target } from './target.js';
import { emitWasmModuleText } from './wasm/emit.js';
import { wasmTarget } from './wasm/target.js';

/** Options of {@link buildModel}. */
export interface BuildOptions {
  level: OptLevel;
  conv: ConvChoice;
  emit: 'ts' | 'js';
  /** The `.cnn` file as shown in the header and traces (relative, `/`-separated). */
  source: string;
  texts: ReadonlyMap<string, string>;
  target?: Target;
  runtimeModule?: string;
  /**
   * Where the module runs: `create` then defaults to gpu.js's `webasm` mode (Node) or `gpu`
   * (browsers), an explicit mode either way. Without it the runtime picks by environment.
   */
  platform?: 'node' | 'browser';
  verify?: boolean;
  after?: (pass: Pass, graph: Graph) => void;
  /**
   * Emit the training half too: `trainStep`/`evaluate` and the training modes (`cnnc build
   * --train`, `cnnc train`). Default false: an inference module carries no training code.
   */
  training?: boolean;
  /** The model's `train` section (defaults of LANGUAGE.md §8 when absent). */
  train?: TrainConfig;
}

/** What building one model produces. */
export interface BuiltModule {
  model: string;
  /** The formatted module text (TypeScript or JavaScript). */
  code: string;
  graph: Graph;
  notes: PassNote[];
  diagnostics: Diagnostic[];
}

/** Prettier options of emitted code: the repository's own style, fixed for deterministic bytes. */
const PRETTIER = { singleQuote: true, printWidth: 100, trailingComma: 'all' } as const;

/** The 1-based line and column of an offset in one of the compiled texts. */
export function locator(texts: ReadonlyMap<string, string>) {
  const indexes = new Map<string, LineIndex>();
  return (file: string, offset: number): { line: number; column: number } | null => {
    const text = texts.get(file);
    if (text === undefined) return null;
    const index = indexes.get(file) ?? buildLineIndex(text);
    indexes.set(file, index);
    const position = displayPositionAt(index, offset);
    return { line: position.line, column: position.column };
  };
}

/** A `file:line:col` tracer over the compiled texts. */
export function tracer(texts: ReadonlyMap<string, string>, rename: (file: string) => string) {
  const indexes = new Map<string, LineIndex>();
  return (file: string, offset: number): string => {
    const text = texts.get(file);
    if (text === undefined) return rename(file);
    const index = indexes.get(file) ?? buildLineIndex(text);
    indexes.set(file, index);
    const position = displayPositionAt(index, offset);
    return `${rename(file)}:${position.line}:${position.column}`;
  };
}

/**
 * Plans the training half of a module. Training keeps BatchNorm separate (its batch statistics
 * change every step) and activations unfused, so that no backward must recompute a fused layer's
 * pre-activation: an activation's backward reads its saved input instead.
 */
export function planTraining(
  model: ModelGraph,
  target: Target,
  options: Pick<BuildOptions, 'conv' | 'verify' | 'train'>,
): TrainingEmit {
  const graph = optimizeForTraining(model, { conv: options.conv, verify: options.verify });
  const plan = planModule(graph, target, () => undefined, model.nodes);
  return { plan, backward: planBackward(plan), spec: trainSpecOf(options.train) };
}

/** Builds one checked model; diagnostics with errors mean `code` is empty. */
export async function buildModel(model: ModelGraph, options: BuildOptions): Promise<BuiltModule> {
  const target = options.target ?? gpujsTarget;
  const optimized = optimize(model, {
    level: options.level,
    conv: options.conv,
    verify: options.verify,
    after: options.after,
  });
  const diagnostics: Diagnostic[] = [];
  const plan = planModule(optimized.graph, target, (d) => diagnostics.push(d), model.nodes);
  const result = {
    model: model.name,
    code: '',
    graph: optimized.graph,
    notes: optimized.notes,
    diagnostics,
  };
  if (diagnostics.some((d) => d.severity === 'error')) return result;
  const baseName = (file: string) => file.split(/[\\/]/).pop() ?? file;
  // The wasm target writes its own module (see docs/wasm-target.md).
  const wasm = target === wasmTarget;
  const training = options.training === true ? planTraining(model, target, options) : undefined;
  // On gpu.js a layer without a backward cannot train at all: a build error, not generated code
  // that throws (the wasm target instead trains such models on gpu.js, see docs/wasm-target.md).
  const missing = training?.backward.missing;
  if (missing && !wasm) {
    diagnostics.push({
      code: 'CNN4002',
      severity: 'error',
      message: `\`${missing.node.op}\` cannot be built for training on the ${target.name} target: ${training?.backward.unsupported ?? ''}`,
      span: missing.node.span,
      labels: [],
      hints: ['build without `--train` for inference only'],
      notes: [],
      fixes: [],
    });
    return result;
  }
  const init = trainInitOf(options.train);
  const emitOptions = {
    source: options.source,
    trace: tracer(options.texts, baseName),
    locate: locator(options.texts),
    ...(options.runtimeModule ? { runtimeModule: options.runtimeModule } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(training ? { training } : {}),
    ...(init ? { init } : {}),
  };
  const text = wasm
    ? (
        await emitWasmModuleText(
          plan,
          optimized.graph,
          emitOptions,
          options.runtimeModule ?? target.runtimeModule,
        )
      ).text
    : emitModuleText(plan, target, emitOptions);
  const typescript = await format(text, { ...PRETTIER, parser: 'typescript' });
  if (options.emit === 'ts') return { ...result, code: typescript };
  const js = ts.transpileModule(typescript, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  const header = typescript.slice(0, typescript.indexOf('\n') + 1);
  const body = await format(js, { ...PRETTIER, parser: 'babel' });
  return { ...result, code: body.startsWith('// Generated') ? body : header + body };
}
