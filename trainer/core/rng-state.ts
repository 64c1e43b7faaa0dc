// A seeded generator whose state can be saved in a checkpoint and restored exactly. It draws the
// same numbers as the runtime's `createRng(seed)`: Mulberry32's state after `n` draws is simply
// `seed + n·0x6d2b79f5` (mod 2^32), so counting draws is enough to resume it.
import { createRng, type Rng } from '../../runtime/rng.js';

/** Mulberry32's Weyl increment, as in runtime/rng.ts. */
const INCREMENT = 0x6d2b79f5;

/** What a checkpoint stores under `rng`: the seed, the draws so far, and a pending normal sample. */
export interface RngState {
  seed: number;
  draws: number;
  /** Box–Muller yields samples in pairs; the second one, if not yet returned. */
  spare: number | null;
}

/** An `Rng` that can report its state for a checkpoint. */
export interface ResumableRng extends Rng {
  state(): RngState;
}

/**
 * A generator drawing exactly what `createRng(seed)` draws, resumed from `state` if given (the
 * value a previous generator's `state()` returned).
 */
export function createResumableRng(seed: number, state?: RngState): ResumableRng {
  let draws = state?.draws ?? 0;
  let spare = state?.spare ?? null;
  const inner = createRng((seed + Math.imul(draws, INCREMENT)) | 0);
  const next = (): number => {
    draws++;
    return inner.next();
  };
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    normal(mean = 0, std = 1) {
      // The same Box–Muller steps as runtime/rng.ts, so both produce identical samples.
      if (spare !== null) {
        const value = spare;
        spare = null;
        return mean + std * value;
      }
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spare = radius * Math.sin(angle);
      return mean + std * radius * Math.cos(angle);
    },
    state: () => ({ seed, draws, spare }),
  };
}

/** Reads an `RngState` back from a checkpoint's `rng` JSON, or `undefined` if it is not one. */
export function parseRngState(value: unknown): RngState | undefined {
  const record = value as Partial<RngState> | null;
  if (typeof record !== 'object' || record === null) return undefined;
  const { seed, draws, spare } = record;
  if (!Number.isInteger(seed) || !Number.isSafeInteger(draws) || (draws as number) < 0) {
    return undefined;
  }
  if (spare !== null && typeof spare !== 'number') return undefined;
  return { seed: seed as number, draws: draws as number, spare };
}
