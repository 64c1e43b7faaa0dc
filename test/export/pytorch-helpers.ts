// Shared by the PyTorch export tests: whether Debian's python3-torch is there (the tests say
// plainly when they are skipped and why), exporting an example into build/test-pytorch/, cnnc's
// own safetensors for a model, and one run of scripts/torch/check_export.py for many models.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import { tracer } from '../../compiler/emit/build-module.js';
import { layerPrefixes, paramsOf } from '../../compiler/emit/param-names.js';
import { exportPytorch, pythonModuleName } from '../../compiler/export/pytorch/index.js';
import type { ModelGraph, Program } from '../../compiler/ir/graph.js';
import { writeSafetensors, type NamedTensor } from '../../runtime/safetensors.js';

/** Debian's python3 (not a pyenv one on PATH), which `apt-get install python3-torch` serves. */
export const PYTHON = '/usr/bin/python3';

/** Why the PyTorch tests cannot run here, or undefined when they can. */
export function torchMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot be run (${probe.error.message})`;
  if (probe.status !== 0)
    return `${PYTHON} has no torch (apt-get install python3-torch): ${probe.stderr.trim().split('\n').pop()}`;
  return undefined;
}

export const OUT = resolve('build/test-pytorch');

export interface ExportedModel {
  file: string;
  model: ModelGraph;
  program: Program;
  moduleName: string;
  dir: string;
  /** Path of the exported module file. */
  modulePath: string;
  /** Path of its train_ddp.py. */
  scriptPath: string;
}

/** Compiles `file` (or `text` under that name) and exports every model in it into `OUT/<subdir>/`. */
export function exportExample(file: string, subdir: string, text?: string): ExportedModel[] {
  const compiled = compileSource(file, text ?? readFileSync(file, 'utf8'));
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((d) => d.message).join('; ')}`);
  const trace = tracer(compiled.texts, (name) => name);
  const dir = join(OUT, subdir);
  mkdirSync(dir, { recursive: true });
  const count = compiled.program.models.length;
  return compiled.program.models.map((model) => {
    const moduleName = pythonModuleName(file, model.name, count);
    const result = exportPytorch(
      model,
      {
        source: file,
        trace: (span) => trace(span.file, span.start),
        train: compiled.program.train.find((config) => config.model === model.name),
        moduleName,
      },
      count > 1 ? `train_ddp_${moduleName}.py` : 'train_ddp.py',
    );
    if (result.files.length === 0)
      throw new Error(`${file}: ${result.diagnostics.map((d) => d.message).join('; ')}`);
    for (const entry of result.files) writeFileSync(join(dir, entry.name), entry.text);
    const modulePath = join(dir, `${moduleName}.py`);
    const scriptPath = join(dir, result.files[1].name);
    return { file, model, program: compiled.program, moduleName, dir, modulePath, scriptPath };
  });
}

/** Every tensor of `model` as cnnc names and shapes it, in order. */
export function cnncTensors(model: ModelGraph): { name: string; shape: number[] }[] {
  const prefixes = layerPrefixes(model.nodes);
  return model.nodes.flatMap((node) => {
    const prefix = prefixes.get(node.id);
    return prefix === undefined ? [] : paramsOf(model, node, prefix);
  });
}

/** A safetensors file of `model`'s tensors written by cnnc's writer, with distinct seeded values. */
export function writeCnncWeights(model: ModelGraph, path: string, seed: number): void {
  const tensors: [string, NamedTensor][] = cnncTensors(model).map(({ name, shape }, idx) => {
    const size = shape.reduce((acc, dim) => acc * dim, 1);
    const data = new Float32Array(size);
    // Positive variances for running_var; elsewhere a pattern of 1,021 values (a prime, so it
    // does not line up with channel sizes), different for every tensor, tiled by doubling copies.
    const offset = name.endsWith('running_var') ? 1.5 : 0;
    for (let k = 0; k < Math.min(size, 1021); k++)
      data[k] = offset + Math.sin(seed + idx * 7.1 + k * 0.37) * 0.5;
    for (let filled = 1021; filled < size; filled *= 2) data.copyWithin(filled, 0, filled);
    return [name, { shape, data }];
  });
  writeFileSync(path, writeSafetensors(tensors, { cnnc_model: model.name }));
}

export interface TorchJob {
  name: string;
  module: string;
  weights: string | null;
  input: string | null;
  input_shape: number[] | null;
  /** Several inputs, in the model's order: [raw float32 file, shape with the batch]. */
  inputs?: [string, number[]][];
  /** The generated train_ddp.py, whose optimizer and schedule are checked for `epochs` epochs. */
  train_script?: string;
  epochs?: number;
  /** Data folders the script's load_data reads (with train_script). */
  data_folders?: string[];
}

export interface TorchResult {
  name: string;
  params: number;
  buffers: number;
  state_dict: [string, number[]][];
  load?: string;
  load_max_diff?: number;
  counts_dropped?: number;
  output?: number[];
  outputs?: Record<string, number[]>;
  optimizer?: string;
  per_batch?: boolean;
  lrs?: number[];
  permutation?: number[];
  data?: Record<
    string,
    {
      train_x: number[];
      train_shape: number[];
      train_y: number[];
      test_x: number[];
      test_y: number[];
    }
  >;
}

/** Runs scripts/torch/check_export.py on `jobs` (one Python process); throws with its stderr. */
export function runTorchChecks(jobs: TorchJob[], jobFile: string): Map<string, TorchResult> {
  writeFileSync(jobFile, JSON.stringify(jobs));
  const run = spawnSync(PYTHON, ['scripts/torch/check_export.py', jobFile], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`check_export.py failed:\n${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { results: TorchResult[] };
  return new Map(parsed.results.map((result) => [result.name, result]));
}
