// Holding out part of a dataset for testing: a seeded, stratified split, so that each class keeps
// the same proportion in both parts and the same seed always holds out the same images.
import { trainFail } from '../errors.js';
import { selectImages, type DataSplit, type Dataset } from './dataset.js';
import { seededPermutation } from './shuffle.js';

/** Options of `splitDataset`. */
export interface SplitOptions {
  /** Fraction of each class held out for testing, in `(0, 1)`; default 0.2. */
  testFraction?: number;
  /** Seed of the permutation that picks the held-out images; default 0. */
  seed?: number;
}

/** The default held-out fraction: 20% of the images, as `cnnc train` documents. */
export const DEFAULT_TEST_FRACTION = 0.2;

/**
 * Splits `dataset` into train and test parts. The images are first put in a seeded random order;
 * then, walking that order, the first `round(testFraction · n_c)` images of each class `c` go to
 * the test part and the rest to the train part. Both parts keep the random order.
 */
export function splitDataset(
  dataset: Dataset,
  source: string,
  options: SplitOptions = {},
): DataSplit {
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction > 0 && testFraction < 1)) {
    trainFail(`the held-out fraction must be between 0 and 1, found ${testFraction}`);
  }
  const perClass = new Array<number>(dataset.classes).fill(0);
  for (const label of dataset.labels) perClass[label]++;
  const quota = perClass.map((count) => Math.round(count * testFraction));
  const order = seededPermutation(dataset.labels.length, options.seed ?? 0);
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (const idx of order) {
    const label = dataset.labels[idx];
    if (quota[label] > 0) {
      quota[label]--;
      testIndices.push(idx);
    } else {
      trainIndices.push(idx);
    }
  }
  if (trainIndices.length === 0 || testIndices.length === 0) {
    trainFail(`${source}: ${dataset.labels.length} images are too few to hold out ${testFraction}`);
  }
  return {
    train: selectImages(dataset, trainIndices),
    test: selectImages(dataset, testIndices),
    source,
  };
}
