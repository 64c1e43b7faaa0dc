// Progress display: plain lines every N steps and per epoch when the stream is not a TTY, and the
// live cli-progress bar on a TTY, both driven by an injected clock so the numbers are exact.
import test from 'ava';
import { createProgress } from '../../trainer/io/progress.js';
import { formatDuration } from '../../trainer/core/progress-format.js';

/** A stream that records what is written; `isTTY` selects the mode. */
function recorder(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (text: string) => chunks.push(text) } };
}

/** Runs 2 epochs of 4 steps of 10 images; the fake clock advances 0.5 s per step. */
function drive(isTTY: boolean, every?: number): string[] {
  const { chunks, stream } = recorder(isTTY);
  let clock = 0;
  const progress = createProgress({ epochs: 2, stepsPerEpoch: 4, stream, now: () => clock, every });
  for (let epoch = 1; epoch <= 2; epoch++) {
    progress.startEpoch(epoch);
    for (let step = 1; step <= 4; step++) {
      clock += 500;
      progress.step({ step, loss: 2 / step, correct: 5 + step, images: 10 });
    }
    progress.endEpoch({
      epoch,
      step: epoch * 4,
      trainLoss: 1.0417,
      trainAccuracy: 0.75,
      testLoss: 0.9,
      testAccuracy: 0.8125,
      seconds: 2,
    });
  }
  progress.stop();
  return chunks;
}

test('plain mode: a line every 2 steps and one per epoch, with exact rates and ETA', (t) => {
  t.deepEqual(drive(false, 2), [
    'epoch 1/2 step 2/4 | loss 1.5000 | acc 65.0% | 20 img/s | ETA 3.0s\n',
    'epoch 1/2 step 4/4 | loss 1.0417 | acc 75.0% | 20 img/s | ETA 2.0s\n',
    'epoch 1/2 done in 2.0s | train loss 1.0417 acc 75.0% | test loss 0.9000 acc 81.3%\n',
    'epoch 2/2 step 2/4 | loss 1.5000 | acc 65.0% | 20 img/s | ETA 1.0s\n',
    'epoch 2/2 step 4/4 | loss 1.0417 | acc 75.0% | 20 img/s | ETA 0.0s\n',
    'epoch 2/2 done in 2.0s | train loss 1.0417 acc 75.0% | test loss 0.9000 acc 81.3%\n',
  ]);
});

test('tty mode: cli-progress draws the bar in place and the epoch summary follows', (t) => {
  const output = drive(true).join('');
  t.true(output.includes('\x1b['), 'uses cursor control sequences');
  t.regex(output, /epoch 1\/2 \[=+\] 4\/4 \| loss 1\.0417 \| acc 75\.0% \| 20 img\/s \| ETA 2\.0s/);
  t.regex(output, /epoch 2\/2 \[-+\] 0\/4 \| loss -- \| acc -- \| 0 img\/s \| ETA --/);
  const summaries = output.match(/epoch \d\/2 done in 2\.0s/g) ?? [];
  t.is(summaries.length, 2);
  t.false(/step \d\/4/.test(output), 'no plain lines on a TTY');
});

test('durations read naturally', (t) => {
  t.deepEqual([0.04, 42, 187, 3900, NaN].map(formatDuration), [
    '0.0s',
    '42.0s',
    '3m07s',
    '1h05m',
    '--',
  ]);
});
