// `cnnc train`'s epoch loop: shuffled batches through `trainStep` with the progress display, the
// held-out evaluation after each epoch, then an atomic checkpoint (weights, optimizer state, RNG,
// history) and the plain weights, so a killed run loses at most the epoch in progress.
import { join } from 'node:path';
import { predictions } from '../../runtime/metrics.js';
import {
  batchCount,
  batches,
  createProgress,
  epochOrder,
  packOptimizerState,
  saveCheckpoint,
  saveWeights,
  type DataSplit,
  type EpochMetrics,
  type Progress,
  type ResumableRng,
} from '../train/index.js';
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
  /** Progress output; `process.stderr` by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The weights file `cnnc train` writes into `--out`. */
export const WEIGHTS_FILE = 'weights.safetensors';

/** Saves the checkpoint and the plain weights of `ctx` after `epoch` (1-based) epochs. */
function checkpoint(ctx: LoopContext, epoch: number, shapes: Map<string, number[]>): string | null {
  const { model } = ctx;
  const weights = new Map(
    [...model.parameters()].map(([name, data]) => [
      name,
      { shape: shapes.get(name) ?? [data.length], data },
    ]),
  );
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

/** Trains from epoch `ctx.history.length + 1` to `ctx.epochs`; returns an error line or null. */
export async function runEpochs(
  ctx: LoopContext,
  shapes: Map<string, number[]>,
): Promise<string | null> {
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
      if (problem) return problem;
    }
    return null;
  } finally {
    progress.stop();
  }
}
