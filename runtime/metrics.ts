// Evaluation metrics of LANGUAGE.md §8 over `[batch, classes]` scores and class labels: accuracy,
// macro precision and recall (scikit-learn's definitions) and one-vs-rest macro AUC (exact, by the
// Mann–Whitney rank statistic with average ranks for ties).

/** The predicted class of each sample: the first largest score (as `argmax`). */
export function predictions(scores: Float32Array, batch: number): Int32Array {
  const classes = scores.length / batch;
  const result = new Int32Array(batch);
  for (let n = 0; n < batch; n++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (scores[n * classes + c] > scores[n * classes + best]) best = c;
    result[n] = best;
  }
  return result;
}

/** Fraction of samples whose argmax score is their label. */
export function accuracy(scores: Float32Array, labels: ArrayLike<number>, batch: number): number {
  const predicted = predictions(scores, batch);
  let correct = 0;
  for (let n = 0; n < batch; n++) if (predicted[n] === labels[n]) correct++;
  return correct / batch;
}

/** `matrix[truth · classes + predicted]` counts, `[classes, classes]` row-major. */
export function confusionMatrix(
  scores: Float32Array,
  labels: ArrayLike<number>,
  batch: number,
): Int32Array {
  const classes = scores.length / batch;
  const predicted = predictions(scores, batch);
  const matrix = new Int32Array(classes * classes);
  for (let n = 0; n < batch; n++) matrix[labels[n] * classes + predicted[n]]++;
  return matrix;
}

function macro(
  scores: Float32Array,
  labels: ArrayLike<number>,
  batch: number,
  byColumn: boolean,
): number {
  const classes = scores.length / batch;
  const matrix = confusionMatrix(scores, labels, batch);
  let total = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    let row = 0;
    let column = 0;
    for (let k = 0; k < classes; k++) {
      row += matrix[c * classes + k];
      column += matrix[k * classes + c];
    }
    // scikit-learn averages over the classes that occur in the labels or the predictions.
    if (row === 0 && column === 0) continue;
    present++;
    const denominator = byColumn ? column : row;
    total += denominator === 0 ? 0 : matrix[c * classes + c] / denominator;
  }
  return present === 0 ? 0 : total / present;
}

/** Macro precision: mean over classes of TP/(TP + FP), 0 for a class never predicted. */
export function precision(scores: Float32Array, labels: ArrayLike<number>, batch: number): number {
  return macro(scores, labels, batch, true);
}

/** Macro recall: mean over classes of TP/(TP + FN), 0 for a class never present. */
export function recall(scores: Float32Array, labels: ArrayLike<number>, batch: number): number {
  return macro(scores, labels, batch, false);
}

/**
 * Exact binary ROC AUC of `scores` against `positive` flags: (Σ ranks of positives − P(P+1)/2)/(P·N)
 * with tied scores sharing their average rank. NaN when one class is absent.
 */
export function binaryAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const order = Array.from({ length: scores.length }, (_, idx) => idx).sort(
    (a, b) => scores[a] - scores[b],
  );
  let rankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (positive[order[k]]) {
        rankSum += rank;
        positives++;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * ROC AUC of `[batch, classes]` scores (probabilities, e.g. softmax outputs) against class labels:
 * with one column, the binary AUC of that score for label 1; with two, the binary AUC of column 1
 * (scikit-learn's binary case); otherwise the one-vs-rest macro average over classes that have
 * both positive and negative samples.
 */
export function auc(scores: Float32Array, labels: ArrayLike<number>, batch: number): number {
  const classes = scores.length / batch;
  const column = (c: number) => Array.from({ length: batch }, (_, n) => scores[n * classes + c]);
  const isClass = (c: number) => Array.from({ length: batch }, (_, n) => labels[n] === c);
  if (classes <= 2) return binaryAuc(column(classes - 1), isClass(1));
  let total = 0;
  let counted = 0;
  for (let c = 0; c < classes; c++) {
    const value = binaryAuc(column(c), isClass(c));
    if (Number.isNaN(value)) continue;
    total += value;
    counted++;
  }
  return counted === 0 ? NaN : total / counted;
}
