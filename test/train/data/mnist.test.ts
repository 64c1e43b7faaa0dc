// The `mnist` package's digits: all 10,000 read in a fixed order, and a deterministic 80/20 split.
import test from 'ava';
import { loadTrainingData } from '../../../trainer/io/data/load.js';

test('mnist: 10,000 digits of 28×28 in [0,1], 20% held out per digit, same split every time', (t) => {
  const first = loadTrainingData('mnist');
  if (!first.ok) return t.fail(first.message);
  const { train, test: heldOut } = first.value;
  t.is(train.labels.length + heldOut.labels.length, 10000);
  t.is(heldOut.labels.length, 2000);
  t.deepEqual(train.shape, [1, 28, 28]);
  t.is(train.classes, 10);
  t.true(train.images.every((value) => value >= 0 && value <= 1));
  const perDigit = new Array<number>(10).fill(0);
  for (const label of heldOut.labels) perDigit[label]++;
  // 20% of each digit's count (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978), rounded.
  t.deepEqual(perDigit, [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  const second = loadTrainingData(undefined);
  if (!second.ok) return t.fail(second.message);
  t.deepEqual(second.value.test.labels, heldOut.labels);
  t.deepEqual(second.value.test.images.subarray(0, 5000), heldOut.images.subarray(0, 5000));
});
