// Loading a folder of `.npy` arrays: either one `x.npy`/`y.npy` pair that cnnc splits itself, or
// a ready-made division as `train_x.npy`, `train_y.npy`, `test_x.npy`, `test_y.npy` (the Keras
// spelling `x_train.npy` … is accepted too).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainFail } from '../../core/errors.js';
import {
  countClasses,
  validateDataset,
  type DataSplit,
  type Dataset,
} from '../../core/data/dataset.js';
import { npyToFloat32, npyToLabels, parseNpy } from '../../core/data/npy.js';
import { readDataFile } from './read-file.js';
import { splitDataset, type SplitOptions } from '../../core/data/split.js';

/** The first of `names` that exists in `directory`, as a path. */
function findFile(directory: string, names: string[]): string | undefined {
  return names.map((name) => join(directory, name)).find((path) => existsSync(path));
}

/** True if `directory` holds `x.npy` or `train_x.npy` (or `x_train.npy`). */
export function isNpyDirectory(directory: string): boolean {
  return findFile(directory, ['x.npy', 'train_x.npy', 'x_train.npy']) !== undefined;
}

/** The per-image shape from an images array of shape `[N, H, W]` or `[N, C, H, W]`. */
function imageShape(shape: number[], path: string): [number, number, number] {
  if (shape.length === 3) return [1, shape[1], shape[2]];
  if (shape.length === 4) return [shape[1], shape[2], shape[3]];
  return trainFail(
    `${path}: images of shape (${shape.join(', ')}) must be [N, H, W] or [N, C, H, W]`,
  );
}

/** Reads an images/labels pair; `classes` is filled in by the caller once every label is known. */
function loadPair(xPath: string, yPath: string): Omit<Dataset, 'classes'> {
  const x = parseNpy(readDataFile(xPath), xPath);
  const y = parseNpy(readDataFile(yPath), yPath);
  const shape = imageShape(x.shape, xPath);
  const labelsOk = y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1);
  if (!labelsOk)
    trainFail(`${yPath}: labels of shape (${y.shape.join(', ')}) must be [N] or [N, 1]`);
  if (x.shape[0] !== y.shape[0]) {
    trainFail(`${xPath} holds ${x.shape[0]} images but ${yPath} holds ${y.shape[0]} labels`);
  }
  return { images: npyToFloat32(x), labels: npyToLabels(y, yPath), shape };
}

/**
 * Loads a folder of `.npy` arrays. Images are `[N, H, W]` (one channel) or `[N, C, H, W]` in any
 * supported dtype (`|u1` scaled to `[0, 1]`, others used as stored); labels are `[N]` or `[N, 1]`
 * integers. A lone `x.npy`/`y.npy` pair is split with `splitDataset` and `options`.
 */
export function loadNpyDirectory(directory: string, options: SplitOptions = {}): DataSplit {
  const trainX = findFile(directory, ['train_x.npy', 'x_train.npy']);
  if (trainX) {
    const paths = [
      findFile(directory, ['train_y.npy', 'y_train.npy']),
      findFile(directory, ['test_x.npy', 'x_test.npy']),
      findFile(directory, ['test_y.npy', 'y_test.npy']),
    ];
    const names = ['train_y.npy', 'test_x.npy', 'test_y.npy'];
    paths.forEach((path, idx) => path ?? trainFail(`${directory}: missing ${names[idx]}`));
    const [trainY, testX, testY] = paths as string[];
    const train = loadPair(trainX, trainY);
    const test = loadPair(testX, testY);
    if (train.shape.join() !== test.shape.join()) {
      trainFail(
        `${testX}: test images are [${test.shape}] but training images are [${train.shape}]`,
      );
    }
    const classes = countClasses(train.labels, test.labels);
    return {
      train: validateDataset({ ...train, classes }, trainX),
      test: validateDataset({ ...test, classes }, testX),
      source: `.npy arrays in ${directory} (${train.labels.length} train, ${test.labels.length} test)`,
    };
  }
  const x =
    findFile(directory, ['x.npy']) ?? trainFail(`${directory}: missing x.npy or train_x.npy`);
  const y = findFile(directory, ['y.npy']) ?? trainFail(`${directory}: missing y.npy`);
  const pair = loadPair(x, y);
  const dataset = validateDataset({ ...pair, classes: countClasses(pair.labels) }, x);
  return splitDataset(
    dataset,
    `.npy arrays in ${directory} (${pair.labels.length} images)`,
    options,
  );
}
