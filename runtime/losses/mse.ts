// Mean squared error (PyTorch `MSELoss`, mean over every element).
import { checkTargets, type LossResult } from './common.js';

/** `loss = mean (z − t)²` over all elements; `gradient = 2(z − t) / count`. Any layout. */
export function mse(outputs: Float32Array, targets: ArrayLike<number>): LossResult {
  checkTargets('mse', outputs, targets);
  const gradient = new Float32Array(outputs.length);
  let total = 0;
  for (let idx = 0; idx < outputs.length; idx++) {
    const diff = outputs[idx] - targets[idx];
    total += diff * diff;
    gradient[idx] = (2 * diff) / outputs.length;
  }
  return { loss: total / outputs.length, gradient };
}
