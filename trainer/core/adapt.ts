// What `cnnc train` learns for an argument-less `normalize` before the first step, as Keras's
// `Normalization.adapt`: the mean and the population standard deviation of each channel over
// every pixel of the (un-augmented) training images, accumulated in float64.

/** The smallest std stored, as Keras's `backend.epsilon()`: a constant channel divides by this. */
export const MIN_STD = 1e-7;

/** Per-channel statistics, one number per channel. */
export interface ChannelStatistics {
  mean: number[];
  std: number[];
}

/**
 * The mean and population std (divided by the count, not count − 1) of each channel of `images`,
 * flat `[count, channels, …spatial]` with `perChannel` values per channel and image. Two passes
 * in float64 (the mean, then the squared deviations from it), so no cancellation; the std is at
 * least {@link MIN_STD}.
 */
export function channelStatistics(
  images: Float32Array,
  channels: number,
  perChannel: number,
): ChannelStatistics {
  const perImage = channels * perChannel;
  const count = images.length / perImage;
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let n = 0; n < count; n++)
    for (let c = 0; c < channels; c++) {
      const start = n * perImage + c * perChannel;
      let sum = 0;
      for (let s = 0; s < perChannel; s++) sum += images[start + s];
      sums[c] += sum;
    }
  const values = count * perChannel;
  const mean = Array.from(sums, (sum) => sum / values);
  for (let n = 0; n < count; n++)
    for (let c = 0; c < channels; c++) {
      const start = n * perImage + c * perChannel;
      let sum = 0;
      for (let s = 0; s < perChannel; s++) sum += (images[start + s] - mean[c]) ** 2;
      squares[c] += sum;
    }
  const std = Array.from(squares, (square) => Math.max(Math.sqrt(square / values), MIN_STD));
  return { mean, std };
}
