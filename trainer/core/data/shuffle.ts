// Seeded, deterministic orderings of a dataset: the same seed gives the same permutation on every
// machine, because the runtime's Mulberry32 generator is defined with 32-bit integer operations.
import { createRng } from '../../../runtime/rng.js';

/**
 * A permutation of `0…count-1` by Fisher–Yates (Durstenfeld's in-place form), drawing from a
 * Mulberry32 generator seeded with `seed`. Deterministic: the same `(count, seed)` always gives the
 * same order.
 */
export function seededPermutation(count: number, seed: number): Int32Array {
  const order = new Int32Array(count);
  for (let idx = 0; idx < count; idx++) order[idx] = idx;
  const rng = createRng(seed);
  for (let idx = count - 1; idx > 0; idx--) {
    // NOTE: `next()` is in [0, 1), so `pick` is in [0, idx]; the bias for count < 2^32 is negligible.
    const pick = Math.floor(rng.next() * (idx + 1));
    const held = order[idx];
    order[idx] = order[pick];
    order[pick] = held;
  }
  return order;
}

/**
 * The seed of epoch `epoch` (0-based) derived from the run's `seed`, so each epoch sees a new order
 * and a resumed run can recompute the order of any epoch from the seed alone, with no RNG state.
 */
export function epochSeed(seed: number, epoch: number): number {
  // The golden-ratio increment spreads consecutive epochs far apart in Mulberry32's state space.
  return (seed + Math.imul(epoch + 1, 0x9e3779b9)) | 0;
}

/** The order in which epoch `epoch` visits `count` training images: `seededPermutation` of its seed. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return seededPermutation(count, epochSeed(seed, epoch));
}
