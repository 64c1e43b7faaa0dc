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
} from '../index.js';
import type { Io } from '../../compiler/host/io.js';
import {
  checkOutputFolder,
  checkPairing,
  checkTrainableModel,
  oneHotTargets,
  parseTrainFlags,
  type TargetKind,
  type TrainCliOptions,
} from './train-checks.js';
import { adaptNormalize } from './train-adapt.js';
import { BEST_WEIGHTS_FILE, runEpochs, WEIGHTS_FILE } from './train-loop.js';
import { confidentMistakes, firstLayerFilters } from './train-pictures.js';
import { FEATURE_COLUMNS, featureMapTiles, oneImagePerClass, stageRunner } from './feature-maps.js';
import type { ModelGraph } from '../../compiler/ir/graph.js';
import { loadTrainableModel, type TrainableModel, type TrainableModule } from './train-module.js';

export type { TrainCliOptions } from './train-checks.js';

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
  const flags = parseTrainFlags(options);
  if (typeof flags === 'string') return usage(io, flags);
  const requested = options.target ?? 'auto';
  if (requested !== 'auto' && requested !== 'gpujs' && requested !== 'wasm')
    return usage(io, `--target takes \`auto\`, \`wasm\` or \`gpujs\`, found \`${requested}\``);
  // `auto`: cnnc's own WebAssembly target, which trains about 10× faster than gpu.js's webasm
  // mode, unless some layer has no wasm backward yet; then gpu.js, saying why. The same decision
  // as `cnnc build`'s default (compiler/emit/target-choice.ts).
  // The data is read (and hostile files refused) once the model has checked, before its code is
  // generated: a bad `--data` answers in about a second, not after a build of several seconds.
  let data: ReturnType<typeof loadTrainingData> | undefined;
  const checkModelAndData: typeof checkTrainableModel = (graph, path, texts) => {
    const refused = checkTrainableModel(graph, path, texts);
    if (refused) return refused;
    data = loadTrainingData(options.data);
    return data.ok ? undefined : data.message;
  };
  const loaded = await loadTrainableModel(file, options.model, io, checkModelAndData, requested);
  if (!loaded.ok)
    return loaded.wasmGap
      ? fail(
          io,
          `cannot train on the wasm target: ${loaded.wasmGap}; train it with \`--target gpujs\``,
        )
      : loaded.code;
  if (loaded.fallback)
    io.err(`training on gpu.js: the wasm target cannot train this model yet (${loaded.fallback})`);
  const { module, target } = loaded;
  if (!data?.ok) return fail(io, data ? data.message : 'internal error: no training data');
  const spec = module.trainSpec;
  const pairing = checkPairing(
    spec.loss,
    module.inputShape,
    module.outputShape,
    data.value,
    loaded.model.name,
  );
  if (typeof pairing === 'string') return fail(io, pairing);
  const seed = flags.seed ?? spec.seed;
  const settings = { epochs: flags.epochs ?? spec.epochs, batch: flags.batch ?? spec.batch };
  const out = options.out ?? defaultOut(file, options.resume);
  // Before any training: a run that cannot write its checkpoints fails now, not after an epoch.
  const unwritable = checkOutputFolder(out);
  if (unwritable) return fail(io, unwritable);
  let model: TrainableModel;
  try {
    model = await module.create(target === 'wasm' ? { seed } : { seed, threads: true });
  } catch (error) {
    // `create` refuses parameters too large to allocate (the checks above catch them first).
    return fail(io, describeError(error));
  }
  try {
    return await train(io, {
      file,
      out,
      seed,
      lr: flags.lr,
      settings,
      model,
      module,
      data: data.value,
      targets: targetsFor(pairing.targets, module.outputShape[0]),
      resume: options.resume,
      name: loaded.model.name,
      loaded,
      target,
    });
  } catch (error) {
    const message = describeError(error);
    // A non-finite loss names a layer by line and column; say which file they are in.
    return fail(io, message.startsWith('the loss is') ? `${file}: ${message}` : message);
  } finally {
    await model.dispose();
  }
}

/** What the loss takes for a batch's labels: the labels, or one-hot rows for `mse`/`bce`. */
function targetsFor(kind: TargetKind, classes: number): (labels: Int32Array) => ArrayLike<number> {
  return kind === 'one-hot' ? (labels) => oneHotTargets(labels, classes) : (labels) => labels;
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
  targets: (labels: Int32Array) => ArrayLike<number>;
  resume: string | undefined;
  name: string;
  /** Where the kernels run. */
  target: 'gpujs' | 'wasm';
  /** The compiled model, its texts and source name, for the feature maps of the report. */
  loaded: { model: ModelGraph; texts: Map<string, string>; source: string };
}

async function train(io: Io, run: RunSettings): Promise<number> {
  const { model, data, settings } = run;
  let history: EpochMetrics[] = [];
  let rngState: unknown;
  if (run.resume) {
    const resumed = resumeFrom(run.resume, model, io);
    if (typeof resumed === 'string') return fail(io, resumed);
    ({ history, rng: rngState } = resumed);
  } else adaptNormalize(run.loaded.model, run.module, model, data.train, io);
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
    `training ${run.name} (${run.target === 'wasm' ? 'wasm target' : 'gpu.js'}) on ${data.source}: ${data.train.labels.length} images, ${data.test.labels.length} held out`,
  );
  const spec = run.module.trainSpec;
  const result = await runEpochs(
    {
      model,
      data,
      targets: run.targets,
      rng,
      ...settings,
      seed: run.seed,
      out: run.out,
      history,
      info,
      ...(spec.augment ? { augment: spec.augment } : {}),
      ...(spec.earlyStop ? { earlyStop: spec.earlyStop } : {}),
    },
    shapes,
  );
  if (!result.ok) return fail(io, result.message);
  if (result.best) {
    const { bestEpoch, bestLoss } = result.best;
    io.err(
      `${result.stoppedEarly ? `stopped early after epoch ${history.length}` : 'trained every epoch'}: best held-out loss ${bestLoss.toFixed(4)} at epoch ${bestEpoch} → ${run.out}/${BEST_WEIGHTS_FILE}`,
    );
  }
  const report = await finishReport(run, history, result.best);
  if (!report.ok) return fail(io, report.message);
  const last = history[history.length - 1];
  io.err(
    `held-out accuracy ${(100 * (last?.testAccuracy ?? 0)).toFixed(2)}%; weights → ${run.out}/${WEIGHTS_FILE}, report → ${run.out}/report.md`,
  );
  return 0;
}

/** Evaluates the final model on the held-out data and writes the report into `run.out`. */
async function finishReport(
  run: RunSettings,
  history: EpochMetrics[],
  best: { bestEpoch: number; bestLoss: number } | undefined,
) {
  const { model, data, settings } = run;
  const confusion = emptyConfusion(data.test.classes);
  const scores = await model.evaluate(
    data.test.images,
    run.targets(data.test.labels),
    data.test.labels.length,
  );
  addScoresToConfusion(
    confusion,
    oneHot(scores.predictions, data.test.classes),
    data.test.labels,
    scores.count,
  );
  const filters = firstLayerFilters(model, run.module);
  const mistakes = await confidentMistakes(model, data.test, settings.batch);
  const featureMaps = await classFeatureMaps(run);
  const report = writeReport(run.out, {
    ...(filters ? { filters } : {}),
    mistakes,
    featureMaps,
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
      ...(run.module.trainSpec.augment
        ? [['augment', JSON.stringify(run.module.trainSpec.augment)] as [string, string]]
        : []),
      ...(best
        ? [
            [
              'early stop',
              `patience ${run.module.trainSpec.earlyStop}: best held-out loss ${best.bestLoss.toFixed(4)} at epoch ${best.bestEpoch} (${BEST_WEIGHTS_FILE})`,
            ] as [string, string],
          ]
        : []),
    ],
  });
  return report;
}

/** Feature maps of the first held-out image of each class (none when the model has no 2-D conv). */
async function classFeatureMaps(run: RunSettings) {
  const { model, data } = run;
  const weights = new Map(
    [...model.parameters()].map(([name, values]) => [
      name,
      {
        shape: [
          ...(run.module.parameterSpecs.find((p) => p.name === name)?.shape ?? [values.length]),
        ],
        data: values,
      },
    ]),
  );
  const runner = await stageRunner(
    run.loaded.model,
    run.loaded.texts,
    run.loaded.source,
    writeSafetensors(weights),
  );
  if (typeof runner === 'string') return [];
  try {
    const perImage = data.test.shape.reduce((acc, d) => acc * d, 1);
    const maps = [];
    for (const { index, label } of oneImagePerClass(data.test)) {
      const image = data.test.images.slice(index * perImage, (index + 1) * perImage);
      const tiles = await featureMapTiles(runner, run.loaded.model, image, data.test.shape);
      maps.push({ label: String(label), tiles, columns: FEATURE_COLUMNS });
    }
    return maps;
  } finally {
    await runner.dispose();
  }
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
