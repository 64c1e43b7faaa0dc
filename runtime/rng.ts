// A seeded pseudo-random generator and the weight initialisers built on it, so that a generated
// module created with the same seed always starts from the same weights, on every platform.
import { shapeSize } from './tensor.js';

/**
 * Mulberry32 (Tommy Ettinger, public domain): a 32-bit state advanced by a Weyl increment and
 * scrambled by two multiply–xorshift rounds. Small, fast, period 2^32, and defined purely with
 * 32-bit integer operations (`Math.imul`, shifts), hence bit-identical on every JavaScript engine.
 */
export interface Rng {
  /** A float uniformly distributed in `[0, 1)` with 32 random bits. */
  next(): number;
  /** A float uniformly distributed in `[low, high)`. */
  uniform(low: number, high: number): number;
  /** A normal sample with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, std?: number): number;
}

/** Creates a Mulberry32 generator from a 32-bit integer seed (other numbers are truncated). */
export function createRng(seed: number): Rng {
  let state = seed | 0;
  let spare: number | null = null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    normal(mean = 0, std = 1) {
      if (spare !== null) {
        const value = spare;
        spare = null;
        return mean + std * value;
      }
      // 1 − u keeps the logarithm's argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return mean + std * radius * Math.cos(angle);
    },
  };
}

/** Fills a new `Float32Array` of `length` with uniform samples in `[low, high)`. */
export function uniformArray(rng: Rng, length: number, low: number, high: number): Float32Array {
  const values = new Float32Array(length);
  for (let idx = 0; idx < length; idx++) values[idx] = rng.uniform(low, high);
  return values;
}

/** Fills a new `Float32Array` of `length` with normal samples. */
export function normalArray(rng: Rng, length: number, mean = 0, std = 1): Float32Array {
  const values = new Float32Array(length);
  for (let idx = 0; idx < length; idx++) values[idx] = rng.normal(mean, std);
  return values;
}

/**
 * Fans of a weight tensor as PyTorch's `_calculate_fan_in_and_fan_out` computes them:
 * for a shape `[d0, d1, k…]`, `fanIn = d1·∏k` and `fanOut = d0·∏k`. For a conv weight
 * `[out, in/groups, kh, kw]` that is `fanIn = in/groups·kh·kw`, `fanOut = out·kh·kw`; for a linear
 * weight `[out, in]`, `fanIn = in`, `fanOut = out`; for a transposed conv weight
 * `[in, out/groups, kh, kw]`, `fanIn = out/groups·kh·kw`.
 */
export function fans(weightShape: readonly number[]): { fanIn: number; fanOut: number } {
  if (weightShape.length < 2) throw new Error('fans need a weight of at least 2 dimensions');
  let receptive = 1;
  for (let axis = 2; axis < weightShape.length; axis++) receptive *= weightShape[axis];
  return { fanIn: weightShape[1] * receptive, fanOut: weightShape[0] * receptive };
}

/**
 * PyTorch's default initialisation of `Conv*d` and `Linear` (`reset_parameters`):
 * weight `kaiming_uniform_(a=√5)`, i.e. uniform in `±1/√fanIn`, then bias uniform in `±1/√fanIn`.
 * The weight is drawn before the bias, as PyTorch does. The bias has `biasLength` values: the
 * output channels, which are `weightShape[0]` except for a transposed convolution, whose weight is
 * `[in, out/groups, kh, kw]` and whose bias has `out` values (the caller passes its bias shape).
 */
export function pytorchDefaultInit(
  rng: Rng,
  weightShape: readonly number[],
  hasBias: boolean,
  /** The bias's length: `weightShape[0]`, except for transposed convolutions (`[in, out, …]`). */
  biasLength: number = weightShape[0],
): { weight: Float32Array; bias: Float32Array | null } {
  const { fanIn } = fans(weightShape);
  const bound = 1 / Math.sqrt(fanIn);
  const weight = uniformArray(rng, shapeSize(weightShape), -bound, bound);
  const bias = hasBias ? uniformArray(rng, biasLength, -bound, bound) : null;
  return { weight, bias };
}

/**
 * He (Kaiming) initialisation for ReLU networks, fan-in mode, gain √2 as in PyTorch's
 * `kaiming_normal_(mode='fan_in', nonlinearity='relu')` (std `√(2/fanIn)`) or, with
 * `distribution: 'uniform'`, `kaiming_uniform_` (bound `√(6/fanIn)`).
 */
export function heInit(
  rng: Rng,
  weightShape: readonly number[],
  distribution: 'normal' | 'uniform' = 'normal',
): Float32Array {
  const { fanIn } = fans(weightShape);
  const length = shapeSize(weightShape);
  if (distribution === 'uniform') {
    const bound = Math.sqrt(6 / fanIn);
    return uniformArray(rng, length, -bound, bound);
  }
  return normalArray(rng, length, 0, Math.sqrt(2 / fanIn));
}

/**
 * Glorot (Xavier) initialisation as PyTorch's `xavier_uniform_` (bound `gain·√(6/(fanIn+fanOut))`,
 * the default) or `xavier_normal_` (std `gain·√(2/(fanIn+fanOut))`).
 */
export function glorotInit(
  rng: Rng,
  weightShape: readonly number[],
  distribution: 'normal' | 'uniform' = 'uniform',
  gain = 1,
): Float32Array {
  const { fanIn, fanOut } = fans(weightShape);
  const length = shapeSize(weightShape);
  if (distribution === 'uniform') {
    const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
    return uniformArray(rng, length, -bound, bound);
  }
  return normalArray(rng, length, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
