// What every loss returns, and the label checks they share. Losses run on the host: they touch
// `[batch, classes]` logits once per step, accumulate in float64 and are deterministic.

/** A loss value and its gradient with respect to the logits (same flat layout as the logits). */
export interface LossResult {
  /** The mean loss over the batch (PyTorch's `reduction='mean'`). */
  loss: number;
  gradient: Float32Array;
}

/** Class indices, one per sample. */
export type Labels = ArrayLike<number>;

/** Throws unless `logits` is `[batch, classes]` and every label is a class index. */
export function checkClassLabels(
  what: string,
  logits: Float32Array,
  labels: Labels,
  batch: number,
): number {
  if (!Number.isInteger(batch) || batch < 1 || logits.length % batch !== 0) {
    throw new Error(`${what}: ${logits.length} logits do not split into ${batch} samples`);
  }
  if (labels.length !== batch)
    throw new Error(`${what}: expected ${batch} labels, found ${labels.length}`);
  const classes = logits.length / batch;
  for (let n = 0; n < batch; n++) {
    const label = labels[n];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`${what}: label ${label} of sample ${n} is not a class in [0, ${classes})`);
    }
  }
  return classes;
}

/** Throws unless `targets` has one value per logit. */
export function checkTargets(what: string, logits: Float32Array, targets: ArrayLike<number>): void {
  if (targets.length !== logits.length) {
    throw new Error(`${what}: expected ${logits.length} targets, found ${targets.length}`);
  }
}
