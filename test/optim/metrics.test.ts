// Accuracy, macro precision/recall and AUC against values computed by hand (and scikit-learn's
// definitions), including ties in the AUC's rank statistic.
import test from 'ava';
import {
  accuracy,
  auc,
  binaryAuc,
  confusionMatrix,
  precision,
  recall,
} from '../../runtime/metrics.js';

// Predictions by argmax: [0, 1, 1, 2, 2, 0]; labels [0, 1, 2, 2, 1, 0].
const scores = Float32Array.from(
  [
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.5, 0.3],
    [0.1, 0.2, 0.7],
    [0.3, 0.3, 0.4],
    [0.6, 0.3, 0.1],
  ].flat(),
);
const labels = [0, 1, 2, 2, 1, 0];

test('accuracy and confusion matrix', (t) => {
  t.is(accuracy(scores, labels, 6), 4 / 6);
  t.deepEqual(Array.from(confusionMatrix(scores, labels, 6)), [2, 0, 0, 0, 1, 1, 0, 1, 1]);
});

test('macro precision and recall (scikit-learn average="macro")', (t) => {
  // precision: class 0 2/2, class 1 1/2, class 2 1/2; recall: 2/2, 1/2, 1/2.
  t.true(Math.abs(precision(scores, labels, 6) - 2 / 3) < 1e-12);
  t.true(Math.abs(recall(scores, labels, 6) - 2 / 3) < 1e-12);
});

test('binary AUC is the Mann–Whitney statistic with ties counted half', (t) => {
  t.is(binaryAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  t.is(binaryAuc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]), 0.5);
  t.is(binaryAuc([0.2, 0.3, 0.3, 0.9], [false, false, true, true]), 0.875);
  t.true(Number.isNaN(binaryAuc([0.1, 0.2], [true, true])));
});

test('one-vs-rest macro AUC', (t) => {
  const perClass = [0, 1, 2].map((c) =>
    binaryAuc(
      labels.map((_, n) => scores[n * 3 + c]),
      labels.map((label) => label === c),
    ),
  );
  t.true(Math.abs(auc(scores, labels, 6) - (perClass[0] + perClass[1] + perClass[2]) / 3) < 1e-12);
  // Class 0 is perfectly separated by its score.
  t.is(perClass[0], 1);
  // Two columns: the binary AUC of column 1 (scikit-learn's binary case).
  t.is(auc(Float32Array.from([0.9, 0.1, 0.4, 0.6, 0.2, 0.8]), [0, 1, 1], 3), 1);
});
