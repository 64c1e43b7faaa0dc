// The backward generator contract (docs/wasm-target.md, "Training") and the loops backward
// kernels share: zeroing, `y += a·x` (axpy) and dot products over contiguous floats, f32x4 for
// the multiple-of-4 part and scalars for the tail, always in the same order.
import type { KernelCall } from '../../target.js';
import type { GeneratedKernel, KernelEnv } from '../kernel.js';
import { add, f32, forLoop, get, i32, load, mulConst, set, store, type Labels } from '../wat.js';

/** Arena offsets a backward kernel reads and writes. */
export interface BackwardValues {
  /** The forward step's value inputs (saved activations: a backward kernel reads these). */
  inputs: number[];
  /**
   * The forward step's output. Never read by a backward kernel: the training arena is planned by
   * liveness (`planArena`), and these bytes may hold another value by the time the backward runs.
   */
  output: number;
  /** The gradient of the loss with respect to the step's output. */
  gradOutput: number;
  /** Where to write the gradient of each value input; null when no gradient is needed there. */
  gradInputs: (number | null)[];
}

/** A kernel environment that also places parameter gradients. */
export interface BackwardEnv extends KernelEnv {
  /** The constant address of the gradient of parameter `name` (`length` floats, plain layout). */
  gradient(name: string, length: number): number;
  /** The constant address of `length` floats of per-step state (BatchNorm's batch statistics). */
  region(length: number): number;
}

/** A backward generator: the kernels (phases, in order) of one forward step's backward. */
export type BackwardGenerator = (
  call: KernelCall,
  values: BackwardValues,
  env: BackwardEnv,
) => GeneratedKernel[];

/**
 * Work units that cover the whole batch at once (a reduction over samples in a fixed order):
 * `ceil(batch / ALL_SAMPLES)` is 1 for every batch the memory can hold.
 */
export const ALL_SAMPLES = 2 ** 30;

/** Locals of {@link zero}, {@link axpy} and {@link dot}. */
export const LOOP_LOCALS: Record<string, string> = {
  li: 'i32',
  lv: 'v128',
  ls: 'f32',
  lacc: 'v128',
  lsum: 'f32',
};

/** Sets `count` floats at the i32 expression `address` (evaluated once per element: use a local) to zero. */
export function zero(labels: Labels, address: string, count: number): string {
  const vectors = Math.floor(count / 4);
  const parts: string[] = [];
  if (vectors > 0)
    parts.push(
      forLoop(
        labels,
        'li',
        i32(0),
        i32(vectors),
        store('v128', add(address, mulConst(get('li'), 16)), '(v128.const i32x4 0 0 0 0)'),
      ),
    );
  for (let idx = vectors * 4; idx < count; idx++)
    parts.push(store('f32', address, f32(0), idx * 4));
  return parts.join('\n');
}

/**
 * `y[i] += a · x[i·xStride]` for `count` floats; `y`, `x` are i32 expressions of locals, `a` an
 * f32 local name. f32x4 when both are contiguous.
 */
export function axpy(
  labels: Labels,
  y: string,
  x: string,
  a: string,
  count: number,
  xStride = 1,
): string {
  const vectors = xStride === 1 ? Math.floor(count / 4) : 0;
  const parts: string[] = [];
  if (vectors > 0)
    parts.push(`(local.set $lv (f32x4.splat (local.get $${a})))
${forLoop(
  labels,
  'li',
  i32(0),
  i32(vectors),
  store(
    'v128',
    add(y, mulConst(get('li'), 16)),
    `(f32x4.add ${load('v128', add(y, mulConst(get('li'), 16)))} (f32x4.mul (local.get $lv) ${load('v128', add(x, mulConst(get('li'), 16)))}))`,
  ),
)}`);
  const tail = count - vectors * 4;
  if (tail > 0)
    parts.push(
      forLoop(
        labels,
        'li',
        i32(vectors * 4),
        i32(count),
        store(
          'f32',
          add(y, mulConst(get('li'), 4)),
          `(f32.add ${load('f32', add(y, mulConst(get('li'), 4)))} (f32.mul (local.get $${a}) ${load('f32', add(x, mulConst(get('li'), 4 * xStride)))}))`,
        ),
      ),
    );
  return parts.join('\n');
}

/**
 * Adds `Σ x[i] · z[i·zStride]` over `count` floats to the f32 local `$lsum` (four f32x4 lanes summed
 * pairwise, then the scalar tail).
 */
export function dot(labels: Labels, x: string, z: string, count: number, zStride = 1): string {
  const vectors = zStride === 1 ? Math.floor(count / 4) : 0;
  const parts: string[] = [];
  if (vectors > 0)
    parts.push(`(local.set $lacc (v128.const i32x4 0 0 0 0))
${forLoop(
  labels,
  'li',
  i32(0),
  i32(vectors),
  `(local.set $lacc (f32x4.add (local.get $lacc) (f32x4.mul ${load('v128', add(x, mulConst(get('li'), 16)))} ${load('v128', add(z, mulConst(get('li'), 16)))})))`,
)}
(local.set $lsum (f32.add (local.get $lsum) (f32.add (f32.add (f32x4.extract_lane 0 (local.get $lacc)) (f32x4.extract_lane 1 (local.get $lacc))) (f32.add (f32x4.extract_lane 2 (local.get $lacc)) (f32x4.extract_lane 3 (local.get $lacc))))))`);
  if (count > vectors * 4)
    parts.push(
      forLoop(
        labels,
        'li',
        i32(vectors * 4),
        i32(count),
        set(
          'lsum',
          `(f32.add (local.get $lsum) (f32.mul ${load('f32', add(x, mulConst(get('li'), 4)))} ${load('f32', add(z, mulConst(get('li'), 4 * zStride)))}))`,
        ),
      ),
    );
  return parts.join('\n');
}

/** The unit loop of a kernel whose units are not samples: `$u` runs over `[u0, u1)`. */
export function unitLoop(labels: Labels, body: string): string {
  return forLoop(labels, 'u', get('u0'), get('u1'), body);
}

/** The sample loop of a reduction over the batch, in order: `$n` runs over `[0, batch)`. */
export function batchLoop(labels: Labels, body: string): string {
  return forLoop(labels, 'n', i32(0), get('batch'), body);
}
