// `cnnc build FILE`: check a model file, optimise and emit one TypeScript (or JavaScript) module per
// model into the output directory. Exit codes as `cnnc check`: 0 built, 1 errors, 2 usage.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderTerminal } from '../diagnostics/render-terminal.js';
import type { BuiltModule } from '../emit/build-module.js';
import type { ConvChoice, PassNote } from '../passes/pass.js';
import { findPass, type OptLevel } from '../passes/registry.js';
import { printIr } from '../passes/print-ir.js';
import { wasmTarget } from '../emit/wasm/target.js';
import { compileFile } from './check.js';
import { errorReason as reason } from '../host/read-source.js';
import { oneLine } from './summary.js';
import type { Io } from '../host/io.js';

/**
 * Layers of one generated module. Code generation costs a few milliseconds per layer (about 6 s
 * for 2,000 ReLUs on a loaded 2-core machine), so a 100,000-layer model would take minutes; the
 * largest classic architecture (DenseNet-264) has about 2,000.
 */
export const MAX_BUILD_LAYERS = 5_000;
/** Inputs of all layers together (an `add` of 50,000 values is one layer but 50,000 inputs). */
export const MAX_BUILD_CONNECTIONS = 10_000;

function connections(model: { nodes: readonly { inputs: readonly number[] }[] }): number {
  return model.nodes.reduce((total, node) => total + node.inputs.length, 0);
}

/** Options of `cnnc build`, as commander parses them. */
export interface BuildCliOptions {
  out: string;
  model?: string;
  /**
   * `auto` (default): wasm when every layer (and, with `--train`, its training) runs there, else
   * gpu.js in Node with a note; `gpujs` and its older name `node`: gpu.js in Node; `browser`:
   * gpu.js bundled for pages; `wasm`: cnnc's WebAssembly target.
   */
  target: 'auto' | 'wasm' | 'gpujs' | 'node' | 'browser';
  emit: 'ts' | 'js' | 'onnx' | 'pytorch';
  /** `--emit onnx`: trained weights to export instead of seeded ones. */
  weights?: string;
  /** `--emit onnx`: the seed of the exported initial weights (default 0, as `create`). */
  seed?: string;
  optLevel: string;
  conv: ConvChoice;
  printIrAfter?: string;
  explainOpt: boolean;
  runtime?: string;
  /** Also emit the training half (`trainStep`, `evaluate`, the training modes). */
  train?: boolean;
}

function sourceName(file: string): string {
  return relative(process.cwd(), file).split('\\').join('/') || file;
}

/** Renders `--explain-opt`: each note with its source line, then totals. */
export function explainNotes(
  notes: readonly PassNote[],
  trace: (file: string, offset: number) => string,
): string {
  const lines = notes.map((n) => `${n.pass}: ${trace(n.span.file, n.span.start)}: ${n.message}`);
  const kernels = notes.reduce((acc, n) => acc + n.kernelsSaved, 0);
  const bytes = notes
    .filter((n) => n.pass !== 'plan-memory')
    .reduce((acc, n) => acc + n.bytesSaved, 0);
  lines.push(
    `total: ${kernels} kernel launches saved per call, ${bytes} intermediate bytes per sample not written`,
  );
  return lines.join('\n');
}

function outputName(file: string, model: string, count: number, emit: string): string {
  const stem = basename(file)
    .replace(/\.cnn$/, '')
    .replace(/[^A-Za-z0-9_-]/g, '_');
  // NOTE: JavaScript is written as `.mjs`: the module uses `import`, and a `.js` file is CommonJS in a
  // package whose `type` is `commonjs` (what `npm init -y` writes), where Node refuses the import.
  const extension = emit === 'js' ? 'mjs' : emit === 'onnx' ? 'onnx' : 'ts';
  return `${count > 1 ? `${stem}-${model.toLowerCase()}` : stem}.${extension}`;
}

/** Runs `cnnc build`; returns the exit code. */
export async function runBuild(file: string, options: BuildCliOptions, io: Io): Promise<number> {
  if (!/^[012]$/.test(options.optLevel))
    return usage(io, `-O takes 0, 1 or 2, found \`${oneLine(options.optLevel)}\``);
  const level = Number(options.optLevel) as OptLevel;
  // Checked before compiling: a build that cannot be written should fail at once, in one line.
  const outProblem = checkOutputDir(options.out);
  if (outProblem) return usage(io, outProblem);
  if (options.printIrAfter && options.printIrAfter !== 'all' && !findPass(options.printIrAfter))
    return usage(io, `unknown pass \`${options.printIrAfter}\` for --print-ir-after`);
  const compiled = compileFile(file);
  if (compiled.usage) return usage(io, compiled.usage);
  if (compiled.fileDiagnostic) {
    io.err(`error[${compiled.fileDiagnostic.code}]: ${compiled.fileDiagnostic.message}`);
    return 1;
  }
  if (!compiled.result) return 1;
  const { program, texts } = compiled.result;
  const diagnostics: Diagnostic[] = [...compiled.result.diagnostics];
  const render = () =>
    diagnostics.length > 0 &&
    io.err(
      renderTerminal(diagnostics, (f) => texts.get(f), {
        color: io.color,
        files: [file],
      }).trimEnd(),
    );
  if (diagnostics.some((d) => d.severity === 'error')) return (void render(), 1);
  const models = program.models.filter((m) => !options.model || m.name === options.model);
  if (models.length === 0)
    return usage(
      io,
      options.model ? `no model \`${options.model}\` in ${file}` : `no model in ${file}`,
    );
  if (options.emit === 'pytorch') {
    const { runPytorchExport } = await import('./build-pytorch.js');
    return runPytorchExport(file, sourceName(file), compiled.result, models, options.out, io);
  }
  const tooLarge = models.filter(
    (model) => model.nodes.length > MAX_BUILD_LAYERS || connections(model) > MAX_BUILD_CONNECTIONS,
  );
  for (const model of tooLarge)
    diagnostics.push({
      code: 'CNN4011',
      severity: 'error',
      message: `model \`${model.name}\` has ${model.nodes.length.toLocaleString('en-US')} layers and ${connections(model).toLocaleString('en-US')} connections; \`cnnc build\` generates modules of at most ${MAX_BUILD_LAYERS.toLocaleString('en-US')} layers and ${MAX_BUILD_CONNECTIONS.toLocaleString('en-US')} connections`,
      span: model.span,
      labels: [],
      hints: ['`cnnc check` and `cnnc summary` take models of up to 100,000 layers'],
      notes: [],
      fixes: [],
    });
  if (tooLarge.length > 0) return (void render(), 1);
  // Loaded only now: code generation pulls in ts-morph and prettier (a second of start-up),
  // which a file with errors never needs.
  const { buildModel, tracer } = await import('../emit/build-module.js');
  const { wasmGap, describeWasmGap } = await import('../emit/target-choice.js');
  const trace = tracer(texts, sourceName);
  if (options.emit === 'onnx') {
    const { runOnnxBuild } = await import('./build-onnx.js');
    return runOnnxBuild(
      {
        file,
        models,
        program,
        out: options.out,
        weights: options.weights,
        seed: options.seed,
        trace,
        outputPath: (model) => outputName(file, model, models.length, 'onnx'),
        render: (found) => (diagnostics.push(...found), void render()),
      },
      io,
    );
  }
  const emit = options.emit;
  const built: BuiltModule[] = [];
  for (const model of models) {
    let wasm = options.target === 'wasm';
    if (options.target === 'auto') {
      const gap = wasmGap(model, { level, conv: options.conv, training: options.train === true });
      wasm = gap === null;
      if (gap)
        io.err(
          `note: building ${model.name} for gpu.js: ${describeWasmGap(gap, trace(gap.span.file, gap.span.start))}`,
        );
    }
    const result = await buildModel(model, {
      level,
      conv: options.conv,
      emit,
      source: sourceName(file),
      texts,
      training: options.train === true,
      train: program.train.find((config) => config.model === model.name),
      // `wasm` is cnnc's own WebAssembly target (Node); gpu.js runs in `webasm` mode in Node
      // (`gpujs`, `node`, `auto` without wasm) and `gpu` mode in pages (`browser`).
      ...(wasm
        ? { target: wasmTarget }
        : { platform: options.target === 'browser' ? 'browser' : 'node' }),
      ...(options.runtime ? { runtimeModule: options.runtime } : {}),
      after: (pass, graph) => {
        if (options.printIrAfter === 'all' || options.printIrAfter === pass.name)
          io.out(`; after ${pass.name}\n${printIr(graph, (span) => trace(span.file, span.start))}`);
      },
    });
    for (const d of result.diagnostics) diagnostics.push(d);
    built.push(result);
  }
  render();
  if (diagnostics.some((d) => d.severity === 'error')) return 1;
  try {
    makeDirectory(options.out);
  } catch (error) {
    return usage(io, `cannot create the output directory \`${options.out}\`: ${reason(error)}`);
  }
  for (const result of built) {
    const path = join(options.out, outputName(file, result.model, built.length, emit));
    const written = writeOutput(path, result.code);
    if (written) return usage(io, written);
    if (options.explainOpt) io.out(`${result.model}:\n${explainNotes(result.notes, trace)}`);
    io.err(`built ${result.model} → ${path}`);
    if (options.target === 'browser') await writeBrowserBundle(path, result.code, io);
  }
  return 0;
}

/** Writes `<stem>.browser.js` and `<stem>.worker.js` next to the module at `path`. */
async function writeBrowserBundle(path: string, code: string, io: Io): Promise<void> {
  // Loaded on use: esbuild is only needed for browser builds.
  const { bundleBrowser } = await import('./bundle-browser.js');
  const stem = basename(path).replace(/\.(ts|mjs)$/, '');
  const files = { main: `${stem}.browser.js`, worker: `${stem}.worker.js` };
  const bundle = await bundleBrowser(code, files.worker);
  for (const key of ['main', 'worker'] as const) {
    const out = join(dirname(path), files[key]);
    writeFileSync(out, bundle[key]);
    io.err(`bundled → ${out} (${(Buffer.byteLength(bundle[key]) / 1024).toFixed(0)} KiB)`);
  }
}

/**
 * Why `-o DIR` cannot take the build, or undefined: empty, an existing file or device
 * (`/dev/null`), or a directory that is not writable. A missing directory is created later.
 */
export function checkOutputDir(out: string): string | undefined {
  if (out.trim() === '') return '-o needs a directory, found an empty name';
  let stats;
  try {
    stats = statSync(out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return `cannot use \`${out}\` as the output directory: ${reason(error)}`;
  }
  if (!stats.isDirectory()) return `\`${out}\` exists and is not a directory; -o takes a directory`;
  try {
    accessSync(out, constants.W_OK);
  } catch (error) {
    return `cannot write to the output directory \`${out}\`: ${reason(error)}`;
  }
  return undefined;
}

/**
 * Creates `dir` and its missing parents, one level at a time from the top. Not
 * `mkdirSync(…, { recursive: true })`: in Node 20 that loops forever under `/proc` (mkdir fails
 * with ENOENT in a folder that exists), and `-o /proc/x` hung.
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(current)) break;
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) mkdirSync(path);
}

/**
 * Writes one generated module. Opened without blocking (a FIFO in the way would otherwise wait
 * for a reader) and only if it is a regular file or absent; returns why it failed, or undefined.
 */
function writeOutput(path: string, code: string): string | undefined {
  try {
    const existing = lstatOrUndefined(path);
    if (existing && !existing.isFile())
      return `cannot write \`${path}\`: it exists and is not a regular file`;
    const fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK,
      0o644,
    );
    try {
      writeFileSync(fd, code);
    } finally {
      closeSync(fd);
    }
    return undefined;
  } catch (error) {
    return `cannot write \`${path}\`: ${reason(error)}`;
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function usage(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 2;
}
