// Augmentations against hand-computed pixels on a 5×5 pattern, the draw counts that make
// resuming exact, and early stopping on scripted loss curves.
import test from 'ava';
import {
  augmentBatch,
  flipImage,
  rotateImage,
  shiftImage,
  type ImageShape,
} from '../../trainer/core/augment.js';
import { earlyStopStep, type EarlyStopState } from '../../trainer/core/early-stop.js';
import { createResumableRng } from '../../trainer/core/rng-state.js';

// Pixel (y, x) holds 10·y + x, so every expected grid below can be read off by hand.
const shape: ImageShape = [1, 5, 5];
const pattern = Float32Array.from({ length: 25 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5));
const grid = (rows: number[][]) => Float32Array.from(rows.flat());

test('flip mirrors each row', (t) => {
  t.deepEqual(
    flipImage(pattern, shape),
    grid([
      [4, 3, 2, 1, 0],
      [14, 13, 12, 11, 10],
      [24, 23, 22, 21, 20],
      [34, 33, 32, 31, 30],
      [44, 43, 42, 41, 40],
    ]),
  );
});

test('a shift by one row down and two columns left fills with zeros', (t) => {
  t.deepEqual(
    shiftImage(pattern, shape, 1, -2),
    grid([
      [0, 0, 0, 0, 0],
      [2, 3, 4, 0, 0],
      [12, 13, 14, 0, 0],
      [22, 23, 24, 0, 0],
      [32, 33, 34, 0, 0],
    ]),
  );
});

test('a crop at offset (0, 2) of the image padded by 1 is the shift (1, −1)', (t) => {
  // Padded 7×7 image, window rows 0–4 and columns 2–6: row 0 is padding, column 6 is padding.
  t.deepEqual(
    shiftImage(pattern, shape, 1 - 0, 1 - 2),
    grid([
      [0, 0, 0, 0, 0],
      [1, 2, 3, 4, 0],
      [11, 12, 13, 14, 0],
      [21, 22, 23, 24, 0],
      [31, 32, 33, 34, 0],
    ]),
  );
});

test('rotating by 90° turns the image counter-clockwise', (t) => {
  const rotated = rotateImage(pattern, shape, 90);
  const expected = grid([
    [4, 14, 24, 34, 44],
    [3, 13, 23, 33, 43],
    [2, 12, 22, 32, 42],
    [1, 11, 21, 31, 41],
    [0, 10, 20, 30, 40],
  ]);
  rotated.forEach((value, i) => t.true(Math.abs(value - expected[i]) < 1e-4, `pixel ${i}`));
});

test('rotating by 45° samples bilinearly and fills the corners with zeros', (t) => {
  const rotated = rotateImage(pattern, shape, 45);
  // Output (0, 0) maps back to (u, v) = (2, 2 − 2√2) ≈ (2, −0.83): above the image, so it mixes
  // row −1 (zero) and row 0 with weight 0.17 on row 0: 0.17 · pixel(0, 2) = 0.17 · 2.
  const v = 2 - 2 * Math.SQRT2;
  const fy = v - Math.floor(v);
  t.true(Math.abs(rotated[0] - fy * 2) < 1e-5, `corner ${rotated[0]} vs ${fy * 2}`);
  // The centre does not move.
  t.true(Math.abs(rotated[12] - 22) < 1e-5);
  // Output (2, 4), right of centre, maps back to (u, v) = (2 + √2, 2 + √2) ≈ (3.41, 3.41).
  const f = Math.SQRT2 - 1;
  const expected = (1 - f) * ((1 - f) * 33 + f * 34) + f * ((1 - f) * 43 + f * 44);
  t.true(Math.abs(rotated[2 * 5 + 4] - expected) < 1e-4, `${rotated[14]} vs ${expected}`);
});

test('augmenting a batch draws a fixed number of values per image, so resuming is exact', (t) => {
  const augs = [
    { kind: 'flip' },
    { kind: 'crop', pad: 1 },
    { kind: 'translate', max: 1 },
    { kind: 'rotate', degrees: 10 },
    { kind: 'noise', std: 0.1 },
  ] as const;
  const batch = () => {
    const images = new Float32Array(4 * 25);
    for (let n = 0; n < 4; n++) images.set(pattern, n * 25);
    return images;
  };
  // Uninterrupted: two batches with one generator.
  const rng = createResumableRng(7);
  const first = batch();
  const second = batch();
  augmentBatch(first, 4, shape, augs, rng);
  const saved = rng.state();
  augmentBatch(second, 4, shape, augs, rng);
  // Resumed: a new generator from the state saved between the batches.
  const resumed = batch();
  augmentBatch(resumed, 4, shape, augs, createResumableRng(7, saved));
  t.deepEqual(resumed, second);
  t.notDeepEqual(first.subarray(0, 25), pattern, 'the images were augmented');
  // Not every image gets the same transform.
  t.notDeepEqual(first.subarray(0, 25), first.subarray(25, 50));
});

test('no augmentations leave the batch alone and draw nothing', (t) => {
  const rng = createResumableRng(3);
  const images = pattern.slice();
  augmentBatch(images, 1, shape, [], rng);
  t.deepEqual(images, pattern);
  t.is(rng.state().draws, 0);
});

function run(losses: number[], patience: number): { stoppedAt: number; best: number } {
  let state: EarlyStopState | undefined;
  for (let epoch = 1; epoch <= losses.length; epoch++) {
    const step = earlyStopStep(state, epoch, losses[epoch - 1], patience);
    state = step.state;
    if (step.decision.stop) return { stoppedAt: epoch, best: step.decision.bestEpoch };
  }
  return { stoppedAt: losses.length, best: state?.bestEpoch ?? 0 };
}

test('early_stop = 2 stops two epochs after the best held-out loss', (t) => {
  t.deepEqual(run([1.0, 0.8, 0.7, 0.75, 0.71, 0.6, 0.5], 2), { stoppedAt: 5, best: 3 });
  // An equal loss is not an improvement.
  t.deepEqual(run([1.0, 0.9, 0.9, 0.9], 2), { stoppedAt: 4, best: 2 });
  // A curve that keeps improving runs to the end.
  t.deepEqual(run([4, 3, 2, 1], 1), { stoppedAt: 4, best: 4 });
  // NaN never improves.
  t.deepEqual(run([1, Number.NaN, Number.NaN], 2), { stoppedAt: 3, best: 1 });
});
