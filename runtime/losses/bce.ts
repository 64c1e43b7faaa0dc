// Binary cross-entropy on logits (PyTorch `BCEWithLogitsLoss`, mean over every element), stable
// for any logit: ℓ = max(z, 0) − z·t + log(1 + exp(−|z|)).
import { checkTargets, type LossResult } from './common.js';

/** BCE with logits `z` and targets `t ∈ [0, 1]` (any layout); `gradient = (σ(z) − t) / count`. */
export function bceWithLogits(logits: Float32Array, targets: ArrayLike<number>): LossResult {
  checkTargets('bce', logits, targets);
  const gradient = new Float32Array(logits.length);
  let total = 0;
  for (let idx = 0; idx < logits.length; idx++) {
    const z = logits[idx];
    const t = targets[idx];
    total += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
    const sigmoid = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    gradient[idx] = (sigmoid - t) / logits.length;
  }
  return { loss: total / logits.length, gradient };
}
