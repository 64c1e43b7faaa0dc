// Multiclass SVM hinge loss as PyTorch `MultiMarginLoss` (p = 1, margin = 1, mean over the batch):
// loss_n = Σ_{i ≠ y} max(0, 1 − z_y + z_i) / classes.
import { checkClassLabels, type Labels, type LossResult } from './common.js';

/**
 * Hinge loss of logits `[batch, classes]` against class indices `labels`. The gradient is
 * `1/(classes·batch)` at each violating class and minus their count at the true class (PyTorch
 * takes the subgradient 0 at a margin of exactly 0).
 */
export function hinge(logits: Float32Array, labels: Labels, batch: number, margin = 1): LossResult {
  const classes = checkClassLabels('hinge', logits, labels, batch);
  const gradient = new Float32Array(logits.length);
  const scale = 1 / (classes * batch);
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * classes;
    const label = labels[n];
    const target = logits[base + label];
    let violations = 0;
    for (let c = 0; c < classes; c++) {
      if (c === label) continue;
      const slack = margin - target + logits[base + c];
      if (slack > 0) {
        total += slack;
        gradient[base + c] = scale;
        violations++;
      }
    }
    gradient[base + label] = -violations * scale;
  }
  return { loss: total * scale, gradient };
}
