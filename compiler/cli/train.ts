// `cnnc train FILE`: compile and build the model with its training code, load the data, train with
// a progress display, evaluate on held-out data after each epoch, checkpoint atomically, resume,
// and write the report. Exit codes: 0 trained, 1 errors (in the model, data, checkpoint or a
// non-finite loss), 2 usage. Every problem is one line; no stack trace reaches the user.
import { dirname, basename } from 'node:path';
import { statSync } from 'node:fs';
import { writeSafetensors } from '../../runtime/safetensors.js';
import {
  addScoresToConfusion,
  createResumableRng,
  describeError,
  emptyConfusion,
  loadCheckpoint,
  loadTrainingData,
  parseRngState,
  unpackOptimizerState,
  writeReport,
  type DataSplit,
  type EpochMetrics,
} from '../train/index.js';
import type { Io } from './io.js';
import { runEpochs, WEIGHTS_FILE } from './train-loop.js';
import { loadTrainableModel, type TrainableModel, type TrainableModule } from './train-module.js';

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

function positiveInteger(
  value: string | undefined,
  what: string,
  min: number,
): number | string | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min)
    return `--${what} takes an integer of at least ${min}, found \`${value}\``;
  return number;
}

function defaultOut(file: string, resume: string | undefined): string {
  if (resume) {
    const isDirectory = (() => {
      try {
        return statSync(resume).isDirectory();
      } catch {
        return false;
      }
    })();
    return isDirectory ? resume : dirname(resume);
  }
  return `runs/${basename(file).replace(/\.cnn$/, '')}`;
}

/** Checks that the data fits the model's input and output. */
function checkData(data: DataSplit, module: TrainableModule): string | null {
  const expected = module.inputShape.join('×');
  if (data.train.shape.join('×') !== expected)
    return `the data holds ${data.train.shape.join('×')} images but the model's input is ${expected}`;
  const classes = module.outputShape.reduce((acc, d) => acc * d, 1);
  if (data.train.classes > classes)
    return `the data has ${data.train.classes} classes but the model outputs ${classes} values`;
  return null;
}

/** Restores weights, optimizer state and history from a checkpoint; returns an error line or data. */
function resumeFrom(
  location: string,
  model: TrainableModel,
  io: Io,
): { history: EpochMetrics[]; rng: unknown } | string {
  const loaded = loadCheckpoint(location);
  if (!loaded.ok) return loaded.message;
  for (const warning of loaded.value.warnings) io.err(`warning: ${warning}`);
  const { state } = loaded.value;
  model.loadWeights(writeSafetensors(state.weights));
  const parameters = model.optimizerState().parameters.map((name) => ({
    name,
    shape: state.weights.get(name)?.shape ?? [],
  }));
  model.loadOptimizerState(unpackOptimizerState(state, parameters));
  io.err(`resuming from ${loaded.value.path} after epoch ${state.epoch}`);
  return { history: state.history.slice(0, state.epoch), rng: state.rng };
}

/** Runs `cnnc train`; returns the exit code. */
export async function runTrain(file: string, options: TrainCliOptions, io: Io): Promise<number> {
  const epochs = positiveInteger(options.epochs, 'epochs', 1);
  const batchSize = positiveInteger(options.batch, 'batch', 1);
  const seedOption = positiveInteger(options.seed, 'seed', 0);
  const lr = options.lr === undefined ? undefined : Number(options.lr);
  for (const value of [epochs, batchSize, seedOption])
    if (typeof value === 'string') return usage(io, value);
  if (lr !== undefined && !(lr > 0))
    return usage(io, `--lr takes a positive number, found \`${options.lr}\``);
  const target = options.target ?? 'gpujs';
  if (target !== 'gpujs' && target !== 'wasm')
    return usage(io, `--target takes \`wasm\` or \`gpujs\`, found \`${target}\``);
  const loaded = await loadTrainableModel(file, options.model, io, target);
  if (!loaded.ok) return loaded.code;
  const { module } = loaded;
  const data = loadTrainingData(options.data);
  if (!data.ok) return fail(io, data.message);
  const mismatch = checkData(data.value, module);
  if (mismatch) return fail(io, mismatch);
  const spec = module.trainSpec;
  const seed = (seedOption as number | undefined) ?? spec.seed;
  const settings = {
    epochs: (epochs as number | undefined) ?? spec.epochs,
    batch: (batchSize as number | undefined) ?? spec.batch,
  };
  const out = options.out ?? defaultOut(file, options.resume);
  const model = await module.create(target === 'wasm' ? { seed } : { seed, threads: true });
  try {
    return await train(io, {
      file,
      out,
      seed,
      lr,
      settings,
      model,
      module,
      data: data.value,
      resume: options.resume,
      name: loaded.model.name,
    });
  } catch (error) {
    const message = describeError(error);
    // A non-finite loss names a layer by line and column; say which file they are in.
    return fail(io, message.startsWith('the loss is') ? `${file}: ${message}` : message);
  } finally {
    await model.dispose();
  }
}

interface RunSettings {
  file: string;
  out: string;
  seed: number;
  lr: number | undefined;
  settings: { epochs: number; batch: number };
  model: TrainableModel;
  module: TrainableModule;
  data: DataSplit;
  resume: string | undefined;
  name: string;
}

async function train(io: Io, run: RunSettings): Promise<number> {
  const { model, data, settings } = run;
  let history: EpochMetrics[] = [];
  let rngState: unknown;
  if (run.resume) {
    const resumed = resumeFrom(run.resume, model, io);
    if (typeof resumed === 'string') return fail(io, resumed);
    ({ history, rng: rngState } = resumed);
  }
  const rng = createResumableRng(run.seed, parseRngState(rngState));
  const stepsPerEpoch = Math.ceil(data.train.labels.length / settings.batch);
  model.configureTraining({
    rng,
    stepsPerEpoch,
    epochs: settings.epochs,
    ...(run.lr ? { lr: run.lr } : {}),
  });
  const shapes = new Map(run.module.parameterSpecs.map((p) => [p.name, [...p.shape]]));
  const info = { model: run.name, file: run.file, data: data.source };
  io.err(
    `training ${run.name} on ${data.source}: ${data.train.labels.length} images, ${data.test.labels.length} held out`,
  );
  const problem = await runEpochs(
    { model, data, rng, ...settings, seed: run.seed, out: run.out, history, info },
    shapes,
  );
  if (problem) return fail(io, problem);
  const report = await finishReport(run, history);
  if (!report.ok) return fail(io, report.message);
  const last = history[history.length - 1];
  io.err(
    `held-out accuracy ${(100 * (last?.testAccuracy ?? 0)).toFixed(2)}%; weights → ${run.out}/${WEIGHTS_FILE}, report → ${run.out}/report.md`,
  );
  return 0;
}

/** Evaluates the final model on the held-out data and writes the report into `run.out`. */
async function finishReport(run: RunSettings, history: EpochMetrics[]) {
  const { model, data, settings } = run;
  const confusion = emptyConfusion(data.test.classes);
  const scores = await model.evaluate(data.test.images, data.test.labels, data.test.labels.length);
  addScoresToConfusion(
    confusion,
    oneHot(scores.predictions, data.test.classes),
    data.test.labels,
    scores.count,
  );
  const report = writeReport(run.out, {
    model: run.name,
    file: run.file,
    data: data.source,
    history,
    confusion,
    settings: [
      ['optimizer', JSON.stringify(run.module.trainSpec.optimizer)],
      ['batch', String(settings.batch)],
      ['epochs', String(settings.epochs)],
      ['seed', String(run.seed)],
    ],
  });
  return report;
}

/** Predictions as one-hot scores, for the confusion matrix helper that takes scores. */
function oneHot(predicted: Int32Array, classes: number): Float32Array {
  const scores = new Float32Array(predicted.length * classes);
  predicted.forEach((p, n) => (scores[n * classes + p] = 1));
  return scores;
}

function usage(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 2;
}

function fail(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 1;
}
