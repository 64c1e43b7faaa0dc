// Datasets in memory: validation, the seeded shuffle, the stratified split and batching with a
// partial last batch.
import test from 'ava';
import { batchCount, batches } from '../../../trainer/core/data/batches.js';
import { selectImages, validateDataset, type Dataset } from '../../../trainer/core/data/dataset.js';
import { epochOrder, seededPermutation } from '../../../trainer/core/data/shuffle.js';
import { splitDataset } from '../../../trainer/core/data/split.js';
import { catchTrainError } from '../../../trainer/core/errors.js';

/** `count` 1×1×2 images whose pixels encode their index; labels cycle through `classes`. */
function tinyDataset(count: number, classes = 4): Dataset {
  return {
    images: Float32Array.from({ length: count * 2 }, (_, idx) => Math.floor(idx / 2)),
    labels: Int32Array.from({ length: count }, (_, idx) => idx % classes),
    shape: [1, 1, 2],
    classes,
  };
}

test('seeded permutation is a deterministic permutation that depends on the seed', (t) => {
  const first = seededPermutation(100, 7);
  t.deepEqual(first, seededPermutation(100, 7));
  t.notDeepEqual(first, seededPermutation(100, 8));
  t.deepEqual(
    [...first].sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, idx) => idx),
  );
  t.notDeepEqual(epochOrder(100, 7, 0), epochOrder(100, 7, 1));
  // Pinned values: a change to the shuffle would silently change every run's data order.
  t.deepEqual([...seededPermutation(10, 0)], [3, 8, 6, 4, 5, 9, 7, 1, 0, 2]);
});

test('split holds out 20% of each class, disjoint and covering', (t) => {
  const dataset = tinyDataset(100);
  const split = splitDataset(dataset, 'tiny');
  t.is(split.test.labels.length, 20);
  t.is(split.train.labels.length, 80);
  for (let label = 0; label < 4; label++) {
    t.is(split.test.labels.filter((l) => l === label).length, 5);
  }
  const ids = [
    ...split.train.images.filter((_, idx) => idx % 2 === 0),
    ...split.test.images.filter((_, idx) => idx % 2 === 0),
  ];
  t.deepEqual(
    ids.sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, idx) => idx),
  );
  t.deepEqual(splitDataset(dataset, 'tiny').test.images, split.test.images);
  t.notDeepEqual(splitDataset(dataset, 'tiny', { seed: 1 }).test.images, split.test.images);
});

test('batches cover every image once; the last partial batch is kept or dropped', (t) => {
  const dataset = tinyDataset(10);
  const order = seededPermutation(10, 3);
  const kept = [...batches(dataset, 4, order)];
  t.deepEqual(
    kept.map((batch) => batch.size),
    [4, 4, 2],
  );
  t.is(batchCount(10, 4), 3);
  const seen = kept.flatMap((batch) => [...batch.images.filter((_, idx) => idx % 2 === 0)]);
  t.deepEqual(seen, [...order]);
  t.deepEqual(kept[2].labels, Int32Array.from([order[8] % 4, order[9] % 4]));
  t.deepEqual(
    [...batches(dataset, 4, order, 'drop')].map((batch) => batch.size),
    [4, 4],
  );
  t.is(batchCount(10, 4, 'drop'), 2);
  t.deepEqual(
    [...batches(dataset, 5)].map((batch) => batch.index),
    [0, 1],
  );
});

test('validation names count mismatches and out-of-range labels', (t) => {
  const bad = { ...tinyDataset(3), labels: Int32Array.from([0, 1]) };
  const mismatch = catchTrainError(() => validateDataset(bad, 'x.npy'));
  t.deepEqual(mismatch, { ok: false, message: 'x.npy: 3 images but 2 labels' });
  const outOfRange = catchTrainError(() => validateDataset({ ...tinyDataset(3), classes: 2 }, 'y'));
  t.deepEqual(outOfRange, { ok: false, message: 'y: label 2 of image 2 is outside [0, 2)' });
  t.deepEqual(selectImages(tinyDataset(3), [2, 0]).images, Float32Array.from([2, 2, 0, 0]));
});
