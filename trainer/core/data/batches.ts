// Cutting a dataset into mini-batches in a given order. The last batch may be smaller than the
// others; the caller chooses to keep it (evaluation must see every image) or drop it.
import { trainFail } from '../errors.js';
import { datasetSize, imageSize, type Dataset } from './dataset.js';

/** One mini-batch: `size` images in NCHW order and their labels. */
export interface Batch {
  /** `[size, C, H, W]` flattened row-major (a fresh copy). */
  images: Float32Array;
  /** `[size]` class indices. */
  labels: Int32Array;
  /** Number of images, `batchSize` except possibly for the last batch. */
  size: number;
  /** 0-based position of this batch within the epoch. */
  index: number;
}

/** What to do with a last batch smaller than `batchSize`. */
export type PartialBatch = 'keep' | 'drop';

/** Number of batches an epoch of `count` images gives. */
export function batchCount(
  count: number,
  batchSize: number,
  partial: PartialBatch = 'keep',
): number {
  return partial === 'keep' ? Math.ceil(count / batchSize) : Math.floor(count / batchSize);
}

/**
 * Yields the batches of `dataset` visiting images in `order` (default: stored order). With
 * `partial: 'keep'` (the default) the last batch holds the remaining `count % batchSize` images;
 * with `'drop'` it is skipped, as PyTorch's `DataLoader(drop_last=True)` does.
 */
export function* batches(
  dataset: Dataset,
  batchSize: number,
  order?: ArrayLike<number>,
  partial: PartialBatch = 'keep',
): Generator<Batch> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    trainFail(`the batch size must be a positive integer, found ${batchSize}`);
  }
  const count = order ? order.length : datasetSize(dataset);
  const perImage = imageSize(dataset);
  const total = batchCount(count, batchSize, partial);
  for (let index = 0; index < total; index++) {
    const start = index * batchSize;
    const size = Math.min(batchSize, count - start);
    const images = new Float32Array(size * perImage);
    const labels = new Int32Array(size);
    for (let slot = 0; slot < size; slot++) {
      const from = order ? order[start + slot] : start + slot;
      images.set(dataset.images.subarray(from * perImage, (from + 1) * perImage), slot * perImage);
      labels[slot] = dataset.labels[from];
    }
    yield { images, labels, size, index };
  }
}
