// Training progress on the terminal: a live bar redrawn in place (cli-progress) when the stream is a
// TTY, and otherwise plain lines every N steps and at each epoch's end, fit for logs and CI. The
// stream and the clock are injected so tests can drive both modes deterministically.
import cliProgress, { type SingleBar } from 'cli-progress';
import type { EpochMetrics } from '../core/history.js';
import {
  formatBarLine,
  formatEpochLine,
  formatStepLine,
  type StepStatus,
} from '../core/progress-format.js';

/** A writable stream; `isTTY` selects the live bar. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** How to show progress: `auto` picks `bar` on a TTY and `plain` elsewhere. */
export type ProgressMode = 'auto' | 'bar' | 'plain';

/** Options of `createProgress`. */
export interface ProgressOptions {
  epochs: number;
  stepsPerEpoch: number;
  /** Where to write; default `process.stderr`. */
  stream?: ProgressStream;
  /** Milliseconds from an arbitrary origin; default `performance.now`. */
  now?: () => number;
  mode?: ProgressMode;
  /** Plain mode: print a step line every `every` steps (default: about ten per epoch). */
  every?: number;
}

/** One training step as the loop reports it. */
export interface StepReport {
  /** 1-based step within the epoch. */
  step: number;
  /** Mean loss over this batch. */
  loss: number;
  /** Correctly classified images in this batch. */
  correct: number;
  /** Images in this batch. */
  images: number;
}

/** The progress display of one run. Call `stop` once at the end, also after an error. */
export interface Progress {
  startEpoch(epoch: number): void;
  step(report: StepReport): void;
  endEpoch(metrics: EpochMetrics): void;
  stop(): void;
}

/** Creates the progress display; see `ProgressOptions` for the stream, clock and mode. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const mode = options.mode ?? 'auto';
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  const every = options.every ?? Math.max(1, Math.ceil(options.stepsPerEpoch / 10));
  let bar: SingleBar | null = null;
  let status: StepStatus | null = null;
  let epochStart = 0;
  let lossSum = 0;
  let correct = 0;
  let seen = 0;

  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return {
    startEpoch(epoch) {
      stopBar();
      epochStart = now();
      lossSum = correct = seen = 0;
      status = {
        epoch,
        epochs: options.epochs,
        step: 0,
        stepsPerEpoch: options.stepsPerEpoch,
        loss: NaN,
        accuracy: NaN,
        imagesPerSecond: 0,
        etaSeconds: NaN,
      };
      if (!useBar) return;
      bar = new cliProgress.SingleBar({
        stream: stream as NodeJS.WritableStream,
        format: () => (status ? formatBarLine(status) : ''),
        gracefulExit: false,
        hideCursor: false,
      });
      bar.start(options.stepsPerEpoch, 0);
    },
    step(report) {
      if (!status) return;
      lossSum += report.loss * report.images;
      correct += report.correct;
      seen += report.images;
      const seconds = Math.max(1e-9, (now() - epochStart) / 1000);
      const stepsLeft =
        (options.epochs - status.epoch) * options.stepsPerEpoch +
        options.stepsPerEpoch -
        report.step;
      status = {
        ...status,
        step: report.step,
        loss: lossSum / seen,
        accuracy: correct / seen,
        imagesPerSecond: seen / seconds,
        etaSeconds: (seconds / report.step) * stepsLeft,
      };
      if (bar) bar.update(report.step);
      else if (report.step % every === 0 || report.step === options.stepsPerEpoch) {
        stream.write(`${formatStepLine(status)}\n`);
      }
    },
    endEpoch(metrics) {
      stopBar();
      stream.write(`${formatEpochLine(metrics, options.epochs)}\n`);
      status = null;
    },
    stop: stopBar,
  };
}
