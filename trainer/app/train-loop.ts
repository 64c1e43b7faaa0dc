// `cnnc train`'s epoch loop: shuffled batches through `trainStep` with the progress display, the
// held-out evaluation after each epoch, then an atomic checkpoint (weights, optimizer state, RNG,
// history) and the plain weights, so a killed run loses at most the epoch in progress. Training
// batches are augmented (the section's `augment`) from the run's resumable generator, whose state is
// in the checkpoint; with `early_stop` the best epoch's weights are also kept as best.safetensors.
import { join } from 'node:path';
import { predictions } from '../../runtime/metrics.js';
import {
  augmentBatch,
  batchCount,
  batches,
  createProgress,
  earlyStopStep,
  epochOrder,
  packOptimizerState,
  saveCheckpoint,
  saveWeights,
  type Augmentation,
  type DataSplit,
  type EarlyStopState,
  type EpochMetrics,
  type Progress,
  type ResumableRng,
} from '../index.js';
import type { TrainableModel } from './train-module.js';

/** Everything one run needs. */
export interface LoopContext {
  model: TrainableModel;
  data: DataSplit;
  /** The loss's targets for a batch's labels (the labels, or one-hot rows for `mse`/`bce`). */
  targets: (labels: Int32Array) => ArrayLike<number>;
  rng: ResumableRng;
  batch: number;
  epochs: number;
  seed: number;
  out: string;
  /** Completed epochs and their history (non-empty when resuming). */
  history: EpochMetrics[];
  info: Record<string, string>;
  /** Augmentations of training batches, in order (none by default). */
  augment?: readonly Augmentation[];
  /** Patience of early stopping in epochs, if the section asks for it. */
  earlyStop?: number;
  /** Progress output; `process.stderr` by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The weights file `cnnc train` writes into `--out`. */
export const WEIGHTS_FILE = 'weights.safetensors';
/** The weights of the epoch with the best held-out loss, written when `early_stop` is set. */
export const BEST_WEIGHTS_FILE = 'best.safetensors';

/** How a run ended: an error line, or the epochs trained and, with `early_stop`, the best one. */
export type LoopResult =
  { ok: false; message: string } | { ok: true; stoppedEarly: boolean; best?: EarlyStopState };

function currentWeights(ctx: LoopContext, shapes: Map<string, number[]>) {
  return new Map(
    [...ctx.model.parameters()].map(([name, data]) => [
      name,
      { shape: shapes.get(name) ?? [data.length], data },
    ]),
  );
}

/** Saves the checkpoint and the plain weights of `ctx` after `epoch` (1-based) epochs. */
function checkpoint(ctx: LoopContext, epoch: number, shapes: Map<string, number[]>): string | null {
  const { model } = ctx;
  const weights = currentWeights(ctx, shapes);
  const { state, parameters } = model.optimizerState();
  const packed = packOptimizerState(
    state,
    parameters.map((name) => ({ name, shape: shapes.get(name) ?? [] })),
    { lr: model.optimizer.hyper.lr },
  );
  const saved = saveCheckpoint(ctx.out, {
    epoch,
    step: model.step,
    weights,
    ...packed,
    history: ctx.history,
    rng: { ...ctx.rng.state() },
    info: ctx.info,
  });
  if (!saved.ok) return saved.message;
  const plain = saveWeights(join(ctx.out, WEIGHTS_FILE), weights, {
    cnnc_model: ctx.info.model ?? '',
  });
  return plain.ok ? null : plain.message;
}

/** Runs the batches of one epoch (0-based) and evaluates on the held-out data. */
async function runEpoch(
  ctx: LoopContext,
  epoch: number,
  progress: Progress,
): Promise<EpochMetrics> {
  const { model, data } = ctx;
  const started = performance.now();
  const trainCount = data.train.labels.length;
  let lossSum = 0;
  let correct = 0;
  for (const batch of batches(data.train, ctx.batch, epochOrder(trainCount, ctx.seed, epoch))) {
    augmentBatch(batch.images, batch.size, data.train.shape, ctx.augment ?? [], ctx.rng);
    const targets = ctx.targets(batch.labels);
    const result = await model.trainStep(batch.images, targets, batch.size, { epoch });
    const predicted = predictions(result.outputs, batch.size);
    const hits = predicted.filter((p, idx) => p === batch.labels[idx]).length;
    lossSum += result.loss * batch.size;
    correct += hits;
    progress.step({ step: batch.index + 1, loss: result.loss, correct: hits, images: batch.size });
  }
  const testCount = data.test.labels.length;
  const test = await model.evaluate(data.test.images, ctx.targets(data.test.labels), testCount);
  // Accuracy from the predictions, so that one-hot targets (whose evaluation has none) get one.
  const testHits = test.predictions.filter((p, idx) => p === data.test.labels[idx]).length;
  return {
    epoch: epoch + 1,
    step: model.step,
    trainLoss: lossSum / trainCount,
    trainAccuracy: correct / trainCount,
    testLoss: test.loss,
    testAccuracy: testHits / testCount,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Early stopping's state after the epochs of `history` (a resumed run replays it, so nothing extra
 * is stored), and whether it had already decided to stop.
 */
function replayEarlyStop(history: readonly EpochMetrics[], patience: number) {
  let state: EarlyStopState | undefined;
  let stop = false;
  for (const metrics of history) {
    const step = earlyStopStep(state, metrics.epoch, metrics.testLoss, patience);
    state = step.state;
    stop = step.decision.stop;
  }
  return { state, stop };
}

/** Trains from epoch `ctx.history.length + 1` to `ctx.epochs` or until early stopping stops it. */
export async function runEpochs(
  ctx: LoopContext,
  shapes: Map<string, number[]>,
): Promise<LoopResult> {
  const patience = ctx.earlyStop;
  const replayed = patience
    ? replayEarlyStop(ctx.history, patience)
    : { state: undefined, stop: false };
  let best = replayed.state;
  if (replayed.stop) return { ok: true, stoppedEarly: true, ...(best ? { best } : {}) };
  const progress = createProgress({
    epochs: ctx.epochs,
    stepsPerEpoch: batchCount(ctx.data.train.labels.length, ctx.batch),
    ...(ctx.stream ? { stream: ctx.stream } : {}),
  });
  try {
    for (let epoch = ctx.history.length; epoch < ctx.epochs; epoch++) {
      progress.startEpoch(epoch + 1);
      const metrics = await runEpoch(ctx, epoch, progress);
      ctx.history.push(metrics);
      progress.endEpoch(metrics);
      const problem = checkpoint(ctx, epoch + 1, shapes);
      if (problem) return { ok: false, message: problem };
      if (!patience) continue;
      const step = earlyStopStep(best, epoch + 1, metrics.testLoss, patience);
      best = step.state;
      if (step.decision.improved) {
        const saved = saveWeights(join(ctx.out, BEST_WEIGHTS_FILE), currentWeights(ctx, shapes), {
          cnnc_model: ctx.info.model ?? '',
          cnnc_epoch: String(epoch + 1),
        });
        if (!saved.ok) return { ok: false, message: saved.message };
      }
      if (step.decision.stop) return { ok: true, stoppedEarly: true, best };
    }
    return { ok: true, stoppedEarly: false, ...(best ? { best } : {}) };
  } finally {
    progress.stop();
  }
}
