// Loading a directory of IDX files with the standard MNIST names, compressed or not — the layout of
// the original MNIST download, of Fashion-MNIST, and of Debian's `dataset-fashion-mnist` package
// (which installs the four `.gz` files in /usr/share/datasets/fashion-mnist).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { trainFail } from '../../core/errors.js';
import {
  countClasses,
  validateDataset,
  type DataSplit,
  type Dataset,
} from '../../core/data/dataset.js';
import { readMaybeGzip } from './gzip.js';
import { idxDeclaredSize, parseIdxImages, parseIdxLabels } from '../../core/data/idx.js';

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The four standard file stems; each may also be spelt with a dot (`train-images.idx3-ubyte`). */
const STEMS = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

type Role = keyof typeof STEMS;

/** The file in `directory` for `stem`, trying the plain and `.gz` names with `-` or `.` spelling. */
function findIdxFile(directory: string, stem: string): string | undefined {
  const dotted = stem.replace(/-(idx\d)/, '.$1');
  for (const name of [stem, `${stem}.gz`, dotted, `${dotted}.gz`]) {
    const path = join(directory, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** True if `directory` holds at least the training images in IDX form. */
export function isIdxDirectory(directory: string): boolean {
  return findIdxFile(directory, STEMS.trainImages) !== undefined;
}

/** Reads one images/labels pair and checks that the counts agree. */
function loadPair(imagesPath: string, labelsPath: string): Omit<Dataset, 'classes'> {
  const imageBytes = readMaybeGzip(imagesPath, idxDeclaredSize(3, imagesPath));
  const images = parseIdxImages(imageBytes, imagesPath);
  const labels = parseIdxLabels(
    readMaybeGzip(labelsPath, idxDeclaredSize(1, labelsPath)),
    labelsPath,
  );
  if (images.count !== labels.length) {
    trainFail(
      `${imagesPath} holds ${images.count} images but ${labelsPath} holds ${labels.length} labels`,
    );
  }
  return { images: images.pixels, labels, shape: [1, images.height, images.width] };
}

/**
 * Loads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte` (each optionally `.gz`) from `directory`. The files' own train/test
 * division is kept. Pixels are scaled to `[0, 1]`; `classes` is the largest label plus one.
 */
export function loadIdxDirectory(directory: string): DataSplit {
  const paths = {} as Record<Role, string>;
  for (const role of Object.keys(STEMS) as Role[]) {
    const found = findIdxFile(directory, STEMS[role]);
    if (!found) trainFail(`${directory}: missing ${STEMS[role]} (or ${STEMS[role]}.gz)`);
    paths[role] = found;
  }
  const train = loadPair(paths.trainImages, paths.trainLabels);
  const test = loadPair(paths.testImages, paths.testLabels);
  if (train.shape.join() !== test.shape.join()) {
    trainFail(
      `${directory}: training images are ${train.shape.slice(1).join('×')} ` +
        `but test images are ${test.shape.slice(1).join('×')}`,
    );
  }
  const classes = countClasses(train.labels, test.labels);
  return {
    train: validateDataset({ ...train, classes }, paths.trainImages),
    test: validateDataset({ ...test, classes }, paths.testImages),
    source: `IDX files in ${directory} (${train.labels.length} train, ${test.labels.length} test)`,
  };
}
