// What `cnnc train` checks before it builds or trains anything, each problem one line: every flag
// (integers in range, a finite learning rate, non-empty paths), a writable output folder, a
// model it can drive (one input, one output, parameters that fit in memory) and the pairing of the
// loss, the model's output shape and the data. Pure functions, except the output-folder probe.
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MAX_MODEL_VALUES, MAX_PARAMETER_VALUES } from '../../runtime/params.js';
import type { ModelGraph } from '../../compiler/ir/graph.js';
import type { DataSplit } from '../index.js';
import { unadaptableNormalize } from './train-adapt.js';

/** Options of `cnnc train`, as commander parses them. */
export interface TrainCliOptions {
  model?: string;
  data?: string;
  epochs?: string;
  batch?: string;
  out?: string;
  resume?: string;
  seed?: string;
  lr?: string;
  /** `gpujs` (default) or `wasm`. */
  target?: string;
}

/** The flags, checked; `undefined` keeps the `train` section's value. */
export interface TrainFlags {
  epochs?: number;
  batch?: number;
  seed?: number;
  lr?: number;
}

/** Largest `--epochs`, `--batch` and `--seed` (the seed is Mulberry32's 32-bit state). */
export const FLAG_LIMITS = { epochs: 100_000, batch: 65_536, seed: 2 ** 32 - 1 } as const;

function integerFlag(
  value: string | undefined,
  name: keyof typeof FLAG_LIMITS,
  min: number,
): number | string | undefined {
  if (value === undefined) return undefined;
  const max = FLAG_LIMITS[name];
  // Digits only: `1e30`, `0x10`, `Infinity` and `''` are not what a user means by an integer.
  const number = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max))
    return `--${name} takes an integer from ${min} to ${max.toLocaleString('en-US')}, found \`${value}\``;
  return number;
}

function pathFlag(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '')
    return `--${name} takes a non-empty ${name === 'model' ? 'name' : 'path'}`;
  if (value.includes('\0')) return `--${name} must not contain a NUL byte`;
  return undefined;
}

/** Checks every flag; returns the numbers or the first problem as one line. */
export function parseTrainFlags(options: TrainCliOptions): TrainFlags | string {
  const epochs = integerFlag(options.epochs, 'epochs', 1);
  const batch = integerFlag(options.batch, 'batch', 1);
  const seed = integerFlag(options.seed, 'seed', 0);
  for (const value of [epochs, batch, seed]) if (typeof value === 'string') return value;
  let lr: number | undefined;
  if (options.lr !== undefined) {
    const decimal = /^\s*(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(options.lr);
    lr = decimal ? Number(options.lr) : NaN;
    if (!(Number.isFinite(lr) && lr > 0))
      return `--lr takes a finite positive number such as 0.01 or 1e-3, found \`${options.lr}\``;
  }
  for (const name of ['out', 'data', 'resume', 'model'] as const) {
    const problem = pathFlag(options[name], name);
    if (problem) return problem;
  }
  return {
    ...(epochs === undefined ? {} : { epochs: epochs as number }),
    ...(batch === undefined ? {} : { batch: batch as number }),
    ...(seed === undefined ? {} : { seed: seed as number }),
    ...(lr === undefined ? {} : { lr }),
  };
}

/**
 * Makes sure checkpoints can be written into `out` before any training: creates it (with its
 * parents) and writes and removes a probe file. Returns the problem as one line.
 */
export function checkOutputFolder(out: string): string | undefined {
  try {
    const stats = statSync(out, { throwIfNoEntry: false });
    if (stats && !stats.isDirectory())
      return `--out ${out}: exists and is not a directory; pass a folder for the run`;
    makeDirectories(out);
    accessSync(out, constants.W_OK);
    const probe = join(out, `.cnnc-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'read-only file system'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : code === 'ENOENT'
              ? 'its parent folder cannot hold new folders'
              : (code ?? String(error));
    return `--out ${out}: cannot write there (${reason}); choose a writable folder`;
  }
}

/**
 * `mkdir -p` one level at a time. NOTE: Node's `mkdirSync(path, { recursive: true })` never
 * returns for a path under /proc (it retries ENOENT forever; measured with Node 20.20).
 */
function makeDirectories(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const directory of missing) mkdirSync(directory);
}

const formatCount = (count: number): string => count.toLocaleString('en-US');

/** `4.0 TB`: bytes of float32 values. */
export function formatBytes(values: number): string {
  const bytes = values * 4;
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let unit = 0;
  let scaled = bytes;
  while (scaled >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${scaled.toFixed(1)} ${units[unit]}`;
}

/**
 * Checks that `cnnc train` can drive `model`: one input and one output, and parameters small
 * enough to allocate (each layer at most `MAX_PARAMETER_VALUES` values, all together at most
 * `MAX_MODEL_VALUES`), from the shape checker's counts, before any code is generated.
 */
export function checkTrainableModel(
  model: ModelGraph,
  file: string,
  texts: ReadonlyMap<string, string>,
): string | undefined {
  const inputs = model.inputs.map((id) => model.nodes.find((n) => n.id === id));
  if (inputs.length !== 1) {
    const names = inputs.map((n) => `\`${n?.name ?? '?'}\``).join(', ');
    return `${file}: model \`${model.name}\` has ${inputs.length} inputs (${names}); cnnc train feeds one input of images, so train it from your own code with the module's trainStep`;
  }
  if (model.outputs.length !== 1)
    return `${file}: model \`${model.name}\` has ${model.outputs.length} outputs; cnnc train needs exactly one`;
  let total = 0;
  for (const node of model.nodes) {
    const values = (node.cost?.params ?? 0) + (node.cost?.buffers ?? 0);
    total += values;
    if (values > MAX_PARAMETER_VALUES) {
      const line = `${node.span.file}:${lineOf(node.span, texts)}`;
      return `${line}: \`${node.op}\` has ${formatCount(values)} parameters (${formatBytes(values)} as float32, four times that with gradients and Adam state); a layer may hold at most ${formatCount(MAX_PARAMETER_VALUES)}`;
    }
  }
  if (total > MAX_MODEL_VALUES)
    return `${file}: model \`${model.name}\` has ${formatCount(total)} parameters (${formatBytes(total)} as float32); cnnc train handles at most ${formatCount(MAX_MODEL_VALUES)}`;
  return unadaptableNormalize(model, texts);
}

function lineOf(span: { file: string; start: number }, texts: ReadonlyMap<string, string>): number {
  const text = texts.get(span.file) ?? '';
  let line = 1;
  for (let idx = 0; idx < span.start && idx < text.length; idx++) if (text[idx] === '\n') line++;
  return line;
}

/** How the labels become the loss's targets. */
export type TargetKind = 'labels' | 'one-hot';

/**
 * Checks that the loss, the model's output and the data go together, before the first step:
 * - `cross_entropy` and `hinge` score classes: the output must be `[classes]` with at least as
 *   many classes as the data has;
 * - `mse` and `bce` compare the output with targets of its shape: with class labels they get
 *   one-hot targets, so the output must be `[classes]` too.
 * The data's images must hold the values of the model's input (leading 1s aside, so `[N, C, L]`
 * arrays, read as `[1, C, L]`, feed an input `[C, L]`), and neither part may be empty.
 */
export function checkPairing(
  loss: string,
  inputShape: readonly number[],
  outputShape: readonly number[],
  data: DataSplit,
  model: string,
): { targets: TargetKind } | string {
  if (data.train.labels.length === 0) return `${data.source}: no training images`;
  if (data.test.labels.length === 0)
    return `${data.source}: no held-out images to evaluate on (${data.train.labels.length} images in all; give test files or more images)`;
  const dataShape = data.train.shape;
  if (!sameLayout(dataShape, inputShape))
    return `the data holds ${dataShape.join('×')} images but the input of \`${model}\` is ${inputShape.join('×')}`;
  const classes = data.train.classes;
  const output = `[${outputShape.join(', ')}]`;
  if (outputShape.length !== 1) {
    const what =
      loss === 'mse' || loss === 'bce'
        ? `with class labels, \`${loss}\` compares one-hot targets [${classes}] with the output`
        : `\`${loss}\` scores ${classes} classes`;
    return `\`${model}\` outputs ${output}, but ${what}, so the output must be [classes]: end the model with \`flatten\` and \`linear(${classes})\``;
  }
  if (outputShape[0] < classes)
    return `the data has ${classes} classes but \`${model}\` outputs ${output}; make its last layer \`linear(${classes})\``;
  return { targets: loss === 'mse' || loss === 'bce' ? 'one-hot' : 'labels' };
}

/** The same values in the same order: the shapes agree once leading 1s are dropped. */
function sameLayout(a: readonly number[], b: readonly number[]): boolean {
  const strip = (shape: readonly number[]) => {
    let idx = 0;
    while (idx < shape.length - 1 && shape[idx] === 1) idx++;
    return shape.slice(idx).join('×');
  };
  return strip(a) === strip(b);
}

/** Class labels as one-hot rows `[count, classes]`, the targets of `mse` and `bce`. */
export function oneHotTargets(labels: ArrayLike<number>, classes: number): Float32Array {
  const targets = new Float32Array(labels.length * classes);
  for (let n = 0; n < labels.length; n++) targets[n * classes + labels[n]] = 1;
  return targets;
}
