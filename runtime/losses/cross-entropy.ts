// Cross-entropy fused with log-softmax (PyTorch `CrossEntropyLoss`, mean over the batch), stable
// for any logit magnitude: log Σ exp(z) is computed as max + log Σ exp(z − max).
import { checkClassLabels, type Labels, type LossResult } from './common.js';

/**
 * `loss = mean_n (logsumexp(z_n) − z_n[y_n])` for logits `[batch, classes]` and class indices
 * `labels` `[batch]`; `gradient = (softmax(z) − onehot(y)) / batch`.
 */
export function crossEntropy(logits: Float32Array, labels: Labels, batch: number): LossResult {
  const classes = checkClassLabels('cross_entropy', logits, labels, batch);
  const gradient = new Float32Array(logits.length);
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * classes;
    let largest = -Infinity;
    for (let c = 0; c < classes; c++) largest = Math.max(largest, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[base + c] - largest);
    const logSumExp = largest + Math.log(sum);
    total += logSumExp - logits[base + labels[n]];
    for (let c = 0; c < classes; c++) {
      const probability = Math.exp(logits[base + c] - logSumExp);
      gradient[base + c] = (probability - (c === labels[n] ? 1 : 0)) / batch;
    }
  }
  return { loss: total / batch, gradient };
}
