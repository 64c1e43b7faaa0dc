// Shared fixtures of the runtime tests: one webasm backend per test file, seeded random tensors, and
// the tolerance check every kernel test uses.
import type { ExecutionContext } from 'ava';
import { createBackend, type Backend, type BackendOptions } from '../../runtime/backend.js';
import { createRng, type Rng } from '../../runtime/rng.js';
import { allclose } from '../../runtime/tensor.js';

/** Relative and absolute tolerance of kernel-vs-reference checks (float32 vs float64). */
export const KERNEL_RTOL = 1e-4;
export const KERNEL_ATOL = 1e-5;

/** A lazily created backend shared by the tests of one file; call `dispose` in `test.after.always`. */
export function sharedBackend(options: BackendOptions = { mode: 'webasm' }): {
  get(): Backend;
  dispose(): Promise<void>;
} {
  let backend: Backend | null = null;
  return {
    get: () => (backend ??= createBackend(options)),
    dispose: async () => {
      if (backend) await backend.dispose();
      backend = null;
    },
  };
}

/** A deterministic random tensor in `[-1, 1)`; the seed is derived from `label`. */
export function randomTensor(label: string, length: number): Float32Array {
  const rng = rngFor(label);
  const values = new Float32Array(length);
  for (let idx = 0; idx < length; idx++) values[idx] = rng.uniform(-1, 1);
  return values;
}

export function rngFor(label: string): Rng {
  let hash = 2166136261;
  for (let idx = 0; idx < label.length; idx++) {
    hash = Math.imul(hash ^ label.charCodeAt(idx), 16777619);
  }
  return createRng(hash);
}

/** Asserts `actual` matches `expected` within the given tolerance, naming the worst element. */
export function assertClose(
  t: ExecutionContext,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = KERNEL_RTOL,
  atol = KERNEL_ATOL,
): void {
  const report = allclose(actual, expected, rtol, atol);
  t.true(report.ok, report.message);
}
