// The per-epoch record of a training run: what the progress lines print, what checkpoints keep so a
// resumed run's curves continue, and what the report plots.

/**
 * Metrics of one finished epoch. Losses are means over the epoch's images; accuracies are
 * fractions in `[0, 1]`. `test*` are measured on the held-out images after the epoch.
 */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  /** Global optimizer step count at the end of the epoch. */
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall-clock seconds the epoch took (training and evaluation). */
  seconds: number;
}

const NUMERIC_FIELDS = [
  'epoch',
  'step',
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'seconds',
] as const;

/**
 * Reads a history from parsed JSON, or returns a one-line reason. `null` stands for a non-finite
 * value (JSON has no NaN) and becomes `NaN`.
 */
export function parseHistory(value: unknown): EpochMetrics[] | string {
  if (!Array.isArray(value)) return 'the history is not a list';
  const history: EpochMetrics[] = [];
  for (const [idx, entry] of value.entries()) {
    if (typeof entry !== 'object' || entry === null) return `history entry ${idx} is not an object`;
    const record = entry as Record<string, unknown>;
    const metrics = {} as EpochMetrics;
    for (const field of NUMERIC_FIELDS) {
      const fieldValue = record[field];
      if (fieldValue !== null && typeof fieldValue !== 'number') {
        return `history entry ${idx} has no numeric \`${field}\``;
      }
      metrics[field] = fieldValue ?? NaN;
    }
    history.push(metrics);
  }
  return history;
}
