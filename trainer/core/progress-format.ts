// The text of training progress: one function per kind of line, shared by the live bar and the
// plain log lines, so both show the same numbers in the same words.
import type { EpochMetrics } from './history.js';

/** What the progress display knows in the middle of an epoch. */
export interface StepStatus {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean loss over the epoch's images so far. */
  loss: number;
  /** Fraction of the epoch's images so far classified correctly. */
  accuracy: number;
  imagesPerSecond: number;
  /** Estimated seconds until the last epoch ends, or `NaN` before the first step. */
  etaSeconds: number;
}

/** Seconds as `42.0s`, `3m07s` or `1h05m`; `--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A fraction as a percentage with one decimal, e.g. `97.3%`. */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : '--';
}

/** A loss with four decimals (or `NaN`/`Infinity` spelt out, which is what the user must see). */
export function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toFixed(4) : String(loss);
}

/** The numbers after the step counter: `loss 0.1234 | acc 96.1% | 812 img/s | ETA 1m05s`. */
function statusTail(status: StepStatus): string {
  // Before the first step there is no loss yet; `NaN` is kept for a loss that really diverged.
  const loss = status.step === 0 ? '--' : formatLoss(status.loss);
  return [
    `loss ${loss}`,
    `acc ${formatPercent(status.accuracy)}`,
    `${Math.round(status.imagesPerSecond)} img/s`,
    `ETA ${formatDuration(status.etaSeconds)}`,
  ].join(' | ');
}

/** A plain log line: `epoch 1/5 step 120/250 | loss … | ETA …`. */
export function formatStepLine(status: StepStatus): string {
  const { epoch, epochs, step, stepsPerEpoch } = status;
  return `epoch ${epoch}/${epochs} step ${step}/${stepsPerEpoch} | ${statusTail(status)}`;
}

/** The live bar's text: `epoch 1/5 [=====-----] 120/250 | loss … | ETA …`. */
export function formatBarLine(status: StepStatus, barWidth = 24): string {
  const filled = Math.round((status.step / Math.max(1, status.stepsPerEpoch)) * barWidth);
  const bar = '='.repeat(filled) + '-'.repeat(barWidth - filled);
  const counter = `${status.step}/${status.stepsPerEpoch}`;
  return `epoch ${status.epoch}/${status.epochs} [${bar}] ${counter} | ${statusTail(status)}`;
}

/** The end-of-epoch summary, e.g. `epoch 1/5 done in 12.3s | train loss … acc … | test loss … acc …`. */
export function formatEpochLine(metrics: EpochMetrics, epochs: number): string {
  return (
    `epoch ${metrics.epoch}/${epochs} done in ${formatDuration(metrics.seconds)} | ` +
    `train loss ${formatLoss(metrics.trainLoss)} acc ${formatPercent(metrics.trainAccuracy)} | ` +
    `test loss ${formatLoss(metrics.testLoss)} acc ${formatPercent(metrics.testAccuracy)}`
  );
}
