// The confusion matrix of a classifier on held-out data, accumulated batch by batch: how often each
// true class was predicted as each class. The report draws it. Per-batch counts, argmax, accuracy,
// precision and recall come from runtime/metrics.ts.
import { confusionMatrix as batchConfusion } from '../../runtime/metrics.js';

/** Counts by class. Invariant: `counts` is `classes × classes`, row = true class, column = predicted. */
export interface ConfusionMatrix {
  classes: number;
  counts: number[][];
}

/** An all-zero matrix for `classes` classes. */
export function emptyConfusion(classes: number): ConfusionMatrix {
  return {
    classes,
    counts: Array.from({ length: classes }, () => new Array<number>(classes).fill(0)),
  };
}

/**
 * Adds one batch to `matrix` in place (so evaluation can accumulate batch by batch) and returns it.
 * Pairs whose class is outside `[0, classes)` are ignored.
 */
export function addToConfusion(
  matrix: ConfusionMatrix,
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
): ConfusionMatrix {
  const count = Math.min(predicted.length, actual.length);
  for (let idx = 0; idx < count; idx++) {
    const row = actual[idx];
    const col = predicted[idx];
    if (row >= 0 && row < matrix.classes && col >= 0 && col < matrix.classes)
      matrix.counts[row][col]++;
  }
  return matrix;
}

/**
 * Adds one evaluated batch to `matrix` in place: `scores` are the model's `[batch, classes]`
 * outputs (logits or probabilities), predicted as their argmax by runtime/metrics.ts.
 */
export function addScoresToConfusion(
  matrix: ConfusionMatrix,
  scores: Float32Array,
  labels: ArrayLike<number>,
  batch: number,
): ConfusionMatrix {
  const counts = batchConfusion(scores, labels, batch);
  for (let row = 0; row < matrix.classes; row++) {
    for (let col = 0; col < matrix.classes; col++) {
      matrix.counts[row][col] += counts[row * matrix.classes + col];
    }
  }
  return matrix;
}

/** The confusion matrix of `predicted` against `actual` class indices. */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  classes: number,
): ConfusionMatrix {
  return addToConfusion(emptyConfusion(classes), predicted, actual);
}

/** Number of images on the diagonal (correct) and in total. */
export function confusionTotals(matrix: ConfusionMatrix): { correct: number; total: number } {
  let correct = 0;
  let total = 0;
  matrix.counts.forEach((row, idx) => {
    correct += row[idx];
    for (const value of row) total += value;
  });
  return { correct, total };
}
