// The entry point `cnnc train --data` calls: turns the user's data argument into a train/test split,
// choosing the loader by what the argument names or what the directory holds.
import { existsSync, statSync } from 'node:fs';
import { catchTrainError, trainFail, type TrainResult } from '../../core/errors.js';
import type { DataSplit } from '../../core/data/dataset.js';
import { DEBIAN_FASHION_MNIST_DIR, isIdxDirectory, loadIdxDirectory } from './idx-folder.js';
import { loadMnistSplit } from './mnist.js';
import { isNpyDirectory, loadNpyDirectory } from './npy-folder.js';
import type { SplitOptions } from '../../core/data/split.js';

/**
 * Resolves `--data`: nothing or `mnist` loads the `mnist` package's digits (20% held out);
 * `fashion-mnist` loads the files Debian's `dataset-fashion-mnist` installs; a directory loads IDX
 * files (standard MNIST names) or `.npy` arrays, whichever it holds. `options` apply to data that
 * cnnc splits itself. Every failure is returned as one line; this function never throws.
 */
export function loadTrainingData(
  data: string | undefined,
  options: SplitOptions = {},
): TrainResult<DataSplit> {
  return catchTrainError(() => {
    if (data === undefined || data === 'mnist') return loadMnistSplit(options);
    if (data === 'fashion-mnist' && !existsSync(data)) {
      if (!existsSync(DEBIAN_FASHION_MNIST_DIR)) {
        trainFail(
          `Fashion-MNIST is not installed in ${DEBIAN_FASHION_MNIST_DIR} ` +
            '(apt-get install dataset-fashion-mnist, or pass --data DIR with the IDX files)',
        );
      }
      return loadIdxDirectory(DEBIAN_FASHION_MNIST_DIR);
    }
    if (!existsSync(data)) trainFail(`no such data directory: ${data}`);
    if (!statSync(data).isDirectory()) {
      trainFail(`${data}: --data expects a directory of IDX or .npy files, or \`mnist\``);
    }
    if (isIdxDirectory(data)) return loadIdxDirectory(data);
    if (isNpyDirectory(data)) return loadNpyDirectory(data, options);
    return trainFail(
      `${data}: found neither IDX files (train-images-idx3-ubyte[.gz] …) ` +
        'nor .npy arrays (x.npy/y.npy or train_x.npy …)',
    );
  });
}
