// The one check every gradient test runs: the backward kernels' gradients (float32, webasm) against
// central finite differences of the float64 reference forward, for each input and parameter.
import type { ExecutionContext } from 'ava';
import { finiteDifferences, relativeError, type RefFunction } from '../helpers/reference-grad.js';
import { randomTensor } from '../runtime/support.js';

/** Largest accepted max-norm relative error of a kernel gradient (the acceptance bound). */
export const GRAD_TOLERANCE = 1e-3;

/** One gradient check: forward inputs (data then parameters), their float64 forward, the backward. */
export interface GradCheck {
  /** Names of `inputs`, e.g. `['input', 'weight', 'bias']`, used in failure messages. */
  names: readonly string[];
  inputs: readonly Float32Array[];
  /** The float64 forward over all `inputs`. */
  reference: RefFunction;
  /** The kernel gradients for `gradOutput`, in the order of `inputs` (`null` = not computed). */
  backward(gradOutput: Float32Array): Promise<readonly (Float32Array | null)[]>;
}

/** Runs `check` with a seeded random output gradient and asserts every relative error. */
export async function assertGradients(
  t: ExecutionContext,
  label: string,
  check: GradCheck,
): Promise<void> {
  const x64 = check.inputs.map((input) => Float64Array.from(input));
  const outLength = check.reference(x64).length;
  const upstream = randomTensor(`${label} upstream`, outLength);
  const actual = await check.backward(upstream);
  const expected = finiteDifferences(check.reference, check.inputs, upstream);
  t.is(actual.length, check.inputs.length, 'one gradient per input');
  check.names.forEach((name, idx) => {
    const grad = actual[idx];
    if (grad === null) return;
    const error = relativeError(grad, expected[idx]);
    t.true(error < GRAD_TOLERANCE, `${name}: relative error ${error.toExponential(2)}`);
  });
}

/** Shape product. */
export function size(shape: readonly number[]): number {
  return shape.reduce((acc, dim) => acc * dim, 1);
}

/**
 * Values in `[-1, 1)` pushed at least `gap` away from each `kink`, so that finite differences
 * never straddle a non-differentiable point (relu at 0, relu6 at 6, hardswish at ±3).
 */
export function awayFromKinks(
  values: Float32Array,
  kinks: readonly number[],
  gap = 0.02,
): Float32Array {
  return values.map((v) => {
    let result = v;
    for (const kink of kinks) {
      if (Math.abs(result - kink) < gap) result = kink + (result >= kink ? gap : -gap);
    }
    return result;
  });
}
