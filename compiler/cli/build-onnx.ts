// `cnnc build --emit onnx`: exports each checked model (as written, -O0) to `<file>.onnx` with
// seeded weights (`--seed`, as the generated module's `create({ seed })`) or trained ones
// (`--weights FILE.safetensors`). The export itself is pure (compiler/export/onnx/); this file
// reads the weights file and writes the models.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { exportOnnx, type OnnxExport } from '../export/onnx/export.js';
import { exportWeights, type WeightSource } from '../export/onnx/weights.js';
import type { ModelGraph, Program } from '../ir/graph.js';
import type { Io } from '../host/io.js';

/** What `runBuild` has checked and passes on. */
export interface OnnxBuildInput {
  file: string;
  models: ModelGraph[];
  program: Program;
  out: string;
  weights?: string;
  seed?: string;
  trace: (file: string, offset: number) => string;
  /** The output file of a model (`<file>.onnx`, or `<file>-<model>.onnx` with several). */
  outputPath: (model: string) => string;
  render: (diagnostics: readonly Diagnostic[]) => void;
}

/** cnnc's version from its package.json (this file is compiler/cli/ or dist/compiler/cli/). */
function cnncVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'cnnc' && pkg.version) return pkg.version;
    } catch {
      // not here; go up
    }
  }
  return 'unknown';
}

function weightSource(input: OnnxBuildInput): WeightSource | string {
  if (input.weights !== undefined) {
    if (input.seed !== undefined) return '--weights and --seed exclude each other';
    if (input.models.length > 1) return '--weights needs one model; choose it with --model';
    try {
      return { safetensors: readFileSync(input.weights) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      return `cannot read weights file \`${input.weights}\` (${code})`;
    }
  }
  const seed = input.seed === undefined ? 0 : Number(input.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    return `--seed takes a non-negative integer, found ${input.seed}`;
  return { seed };
}

/** Exports and writes every model; returns the exit code (0, 1 on diagnostics, 2 on usage). */
export function runOnnxBuild(input: OnnxBuildInput, io: Io): number {
  const source = weightSource(input);
  if (typeof source === 'string') return (io.err(`error: ${source}`), 2);
  const exported: OnnxExport[] = [];
  for (const model of input.models) {
    const train = input.program.train.find((config) => config.model === model.name);
    const weights = exportWeights(model, train, source);
    if (!weights.ok) return (io.err(`error: ${input.weights}: ${weights.message}`), 1);
    exported.push(
      exportOnnx(model, weights.weights, {
        trace: (span) => input.trace(span.file, span.start),
        producerVersion: cnncVersion(),
      }),
    );
  }
  const diagnostics = exported.flatMap((result) => result.diagnostics);
  input.render(diagnostics);
  if (diagnostics.some((d) => d.severity === 'error')) return 1;
  mkdirSync(input.out, { recursive: true });
  for (const result of exported) {
    const path = join(input.out, input.outputPath(result.model));
    writeFileSync(path, result.bytes as Uint8Array);
    io.err(`exported ${result.model} → ${path} (ONNX opset 17)`);
  }
  return 0;
}
