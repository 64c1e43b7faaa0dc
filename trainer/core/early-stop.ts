// Early stopping (the `early_stop = patience` key of a `train` section), as Keras's
// `EarlyStopping(monitor='val_loss', patience=…)`: training stops once `patience` epochs in a row
// have not improved on the best held-out loss; the best epoch's weights are kept apart.

/** What the training loop does after an epoch. */
export interface EarlyStopDecision {
  /** This epoch's held-out loss is the best so far: save it as the best checkpoint. */
  improved: boolean;
  /** `patience` epochs have passed without improvement: stop after this epoch. */
  stop: boolean;
  /** 1-based epoch of the best held-out loss so far. */
  bestEpoch: number;
  bestLoss: number;
}

/** The state early stopping keeps between epochs (saved in checkpoints, so resuming agrees). */
export interface EarlyStopState {
  bestLoss: number;
  bestEpoch: number;
}

/**
 * Decides after epoch `epoch` (1-based) with held-out `loss`. A loss improves when it is strictly
 * lower than the best so far; a NaN loss never improves. With `patience` p, a run whose best epoch
 * is b stops at epoch b + p (or at its last epoch, whichever comes first).
 */
export function earlyStopStep(
  state: EarlyStopState | undefined,
  epoch: number,
  loss: number,
  patience: number,
): { state: EarlyStopState; decision: EarlyStopDecision } {
  const improved = state === undefined ? !Number.isNaN(loss) : loss < state.bestLoss;
  const next: EarlyStopState = improved
    ? { bestLoss: loss, bestEpoch: epoch }
    : (state ?? { bestLoss: Number.POSITIVE_INFINITY, bestEpoch: 0 });
  const stop = epoch - next.bestEpoch >= patience;
  return {
    state: next,
    decision: { improved, stop, bestEpoch: next.bestEpoch, bestLoss: next.bestLoss },
  };
}
