// Reads a data or checkpoint file for `cnnc train`, refusing what is not a regular file: a FIFO,
// a device such as /dev/zero or a directory would otherwise block or read without end. The file
// is opened without blocking and checked with fstat on the open descriptor, and at most its size
// (itself capped) is read.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { trainFail } from '../../core/errors.js';

/** Data files larger than this are refused (Fashion-MNIST's largest is 47 MB uncompressed). */
export const MAX_DATA_FILE_BYTES = 2 ** 30;

/** The bytes of the regular file `path`, at most `maxBytes`; anything else is a `TrainError`. */
export function readDataFile(path: string, maxBytes = MAX_DATA_FILE_BYTES): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) trainFail(`${path}: expected a file, found a directory`);
    if (!stats.isFile()) trainFail(`${path}: not a regular file (a device, FIFO or socket)`);
    if (stats.size > maxBytes)
      trainFail(`${path}: ${stats.size} bytes; data files may be at most ${maxBytes} bytes`);
    // One byte more than the size: a file that grows while it is read is caught.
    const buffer = new Uint8Array(stats.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > stats.size) trainFail(`${path}: the file grew while it was read`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
