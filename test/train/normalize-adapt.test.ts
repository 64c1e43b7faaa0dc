// What `cnnc train` learns for an argument-less `normalize`: per-channel mean and population std
// over every pixel of every training image, against numbers worked out by hand.
import test from 'ava';
import { channelStatistics, MIN_STD } from '../../trainer/core/adapt.js';

test('per-channel mean and population std of two 2-channel images, by hand', (t) => {
  // Image 0: channel 0 = [1, 3], channel 1 = [2, 2]; image 1: channel 0 = [5, 7], channel 1 = [2, 2].
  const images = Float32Array.from([1, 3, 2, 2, 5, 7, 2, 2]);
  const { mean, std } = channelStatistics(images, 2, 2);
  // Channel 0: mean (1 + 3 + 5 + 7) / 4 = 4; variance (9 + 1 + 1 + 9) / 4 = 5 (population, not
  // / 3 as the sample variance would be), so std √5. Channel 1 is constant: std 0, stored as
  // Keras's epsilon so that the layer divides by something.
  t.deepEqual(mean, [4, 2]);
  t.is(std[0], Math.sqrt(5));
  t.is(std[1], MIN_STD);
});

test('float64 accumulation: a large offset does not swallow a small spread', (t) => {
  // 100,000 pixels of 1000 ± 0.5 (float32 holds them exactly); a float32 running sum would lose
  // the spread, float64 two-pass gives mean 1000 and std 0.5 exactly.
  const images = Float32Array.from({ length: 100_000 }, (_, idx) => (idx % 2 ? 1000.5 : 999.5));
  const { mean, std } = channelStatistics(images, 1, 100_000);
  t.deepEqual(mean, [1000]);
  t.deepEqual(std, [0.5]);
});
