// The report `cnnc train` writes when a run ends: `report.md` with the run's summary, per-epoch
// table and per-class precision and recall, `loss.svg` and `accuracy.svg` (per-epoch curves),
// `confusion.svg` (held-out predictions), `filters.svg` (the first convolution's filters),
// `mistakes.svg` (the most confidently wrong held-out images) and `metrics.json`; every picture is
// also written as PNG. `renderReport` is pure and deterministic; `writeReport`
// (trainer/io/write-report.ts) does the I/O.
import { confusionMatrixSvg } from './confusion-chart.js';
import { confusionTotals, type ConfusionMatrix } from './confusion.js';
import type { EpochMetrics } from './history.js';
import { lineChartSvg } from './line-chart.js';
import { imageGridSvg, type ImageTile } from './image-grid.js';
import { formatDuration, formatLoss, formatPercent } from './progress-format.js';

/** Everything the report shows. */
export interface ReportInput {
  /** Model name, e.g. `LeNet5`. */
  model: string;
  /** The `.cnn` file the model came from. */
  file: string;
  /** Where the data came from (`DataSplit.source`). */
  data: string;
  history: EpochMetrics[];
  /** Held-out predictions after the last epoch. */
  confusion: ConfusionMatrix;
  /** Class names for the confusion matrix; default `0`, `1`, …. */
  classNames?: string[];
  /** Further `name → value` lines for the summary (optimizer, batch size, seed…), in order. */
  settings?: [string, string][];
  /** The first convolution's filters, one tile each (`filters.svg`). */
  filters?: { layer: string; tiles: ImageTile[] };
  /** The most confidently wrong held-out images, captioned `true → predicted (confidence)`. */
  mistakes?: ImageTile[];
  /** Feature maps of one held-out image per class: the image, then one row per stage. */
  featureMaps?: { label: string; tiles: (ImageTile | null)[]; columns: number }[];
}

/** Precision and recall of each class from the confusion matrix (NaN when undefined). */
export function perClassScores(
  matrix: ConfusionMatrix,
): { precision: number; recall: number; support: number }[] {
  return matrix.counts.map((row, cls) => {
    const truePositives = row[cls];
    const support = row.reduce((acc, value) => acc + value, 0);
    const predicted = matrix.counts.reduce((acc, other) => acc + other[cls], 0);
    return {
      precision: predicted > 0 ? truePositives / predicted : Number.NaN,
      recall: support > 0 ? truePositives / support : Number.NaN,
      support,
    };
  });
}

/** The per-class table in Markdown. */
function classTable(matrix: ConfusionMatrix, labels: string[]): string[] {
  const percent = (value: number) => (Number.isNaN(value) ? '--' : formatPercent(value));
  return [
    '| class | precision | recall | images |',
    '| ----: | --------: | -----: | -----: |',
    ...perClassScores(matrix).map(
      (row, cls) =>
        `| ${labels[cls]} | ${percent(row.precision)} | ${percent(row.recall)} | ${row.support} |`,
    ),
  ];
}

/** The pictures of what the network learned, as report sections and files. */
function pictures(input: ReportInput): { markdown: string[]; files: [string, string][] } {
  const markdown: string[] = [];
  const files: [string, string][] = [];
  if (input.filters && input.filters.tiles.length > 0) {
    const title = `Filters of ${input.filters.layer}`;
    files.push(['filters.svg', imageGridSvg(input.filters.tiles, { title, columns: 8 })]);
    markdown.push(
      '## Filters of the first convolution',
      '',
      `Each tile is one output channel of \`${input.filters.layer}\`, normalised on its own (black is`,
      'its most negative weight, white its most positive).',
      '',
      '![First-layer filters](filters.png)',
      '',
    );
  }
  if (input.mistakes && input.mistakes.length > 0) {
    const title = 'Most confidently wrong held-out images';
    files.push(['mistakes.svg', imageGridSvg(input.mistakes, { title, columns: 8 })]);
    markdown.push(
      '## Most confidently wrong',
      '',
      'Held-out images the model got wrong with the highest confidence, captioned',
      '`true → predicted (probability)`.',
      '',
      '![Most confidently wrong held-out images](mistakes.png)',
      '',
    );
  }
  if (input.featureMaps && input.featureMaps.length > 0) {
    markdown.push(
      '## Feature maps',
      '',
      'For one held-out image of each class: the image, then a row per convolution stage (its',
      'output after the batchnorm and activation that follow it), one tile per channel (at most',
      '16), each tile normalised on its own.',
      '',
    );
    for (const map of input.featureMaps) {
      const name = `features-${map.label}`;
      const title = `Feature maps of a held-out ${map.label}`;
      files.push([
        `${name}.svg`,
        imageGridSvg(map.tiles, { title, columns: map.columns, scale: 2 }),
      ]);
      markdown.push(`![${title}](${name}.png)`, '');
    }
  }
  return { markdown, files };
}

const TRAIN_COLOR = '#1f77b4';
const TEST_COLOR = '#d62728';

/** The loss chart: training and held-out loss per epoch. */
function lossChart(history: EpochMetrics[]): string {
  return lineChartSvg({
    title: 'Loss per epoch',
    xLabel: 'epoch',
    yLabel: 'mean loss',
    series: [
      {
        name: 'train',
        color: TRAIN_COLOR,
        dashed: true,
        points: history.map((metrics) => [metrics.epoch, metrics.trainLoss]),
      },
      {
        name: 'held-out',
        color: TEST_COLOR,
        points: history.map((metrics) => [metrics.epoch, metrics.testLoss]),
      },
    ],
  });
}

/** The accuracy chart: training and held-out accuracy per epoch, on a percent axis. */
function accuracyChart(history: EpochMetrics[]): string {
  const values = history
    .flatMap((metrics) => [metrics.trainAccuracy, metrics.testAccuracy])
    .filter(Number.isFinite);
  const low = values.length > 0 ? Math.min(...values) : 0;
  return lineChartSvg({
    title: 'Accuracy per epoch',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    percent: true,
    yRange: [Math.max(0, low - 0.02), 1],
    series: [
      {
        name: 'train',
        color: TRAIN_COLOR,
        dashed: true,
        points: history.map((metrics) => [metrics.epoch, metrics.trainAccuracy]),
      },
      {
        name: 'held-out',
        color: TEST_COLOR,
        points: history.map((metrics) => [metrics.epoch, metrics.testAccuracy]),
      },
    ],
  });
}

/** The per-epoch table in Markdown. */
function epochTable(history: EpochMetrics[]): string[] {
  const rows = history.map(
    (metrics) =>
      `| ${metrics.epoch} | ${metrics.step} | ${formatLoss(metrics.trainLoss)} | ${formatPercent(metrics.trainAccuracy)} | ` +
      `${formatLoss(metrics.testLoss)} | ${formatPercent(metrics.testAccuracy)} | ${formatDuration(metrics.seconds)} |`,
  );
  return [
    '| epoch | step | train loss | train acc | held-out loss | held-out acc | time |',
    '| ----: | ---: | ---------: | --------: | ------------: | -----------: | ---: |',
    ...rows,
  ];
}

/** The `metrics.json` document (NaN and infinities become `null`). */
function metricsJson(input: ReportInput, labels: string[]): string {
  const { correct, total } = confusionTotals(input.confusion);
  const document = {
    format: 'cnnc-metrics',
    version: 1,
    model: input.model,
    file: input.file,
    data: input.data,
    settings: Object.fromEntries(input.settings ?? []),
    history: input.history,
    heldOut: { images: total, correct, accuracy: total > 0 ? correct / total : null },
    confusion: {
      labels,
      rows: 'true class',
      columns: 'predicted class',
      counts: input.confusion.counts,
    },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The report's files by name (`report.md`, `loss.svg`, `accuracy.svg`, `confusion.svg`, `metrics.json`). */
export function renderReport(input: ReportInput): Map<string, string> {
  const labels =
    input.classNames ?? Array.from({ length: input.confusion.classes }, (_, idx) => String(idx));
  const { correct, total } = confusionTotals(input.confusion);
  const last = input.history.at(-1);
  const best = input.history.reduce<EpochMetrics | undefined>(
    (acc, metrics) =>
      acc === undefined || metrics.testAccuracy > acc.testAccuracy ? metrics : acc,
    undefined,
  );
  const seconds = input.history.reduce((acc, metrics) => acc + metrics.seconds, 0);
  const extra = pictures(input);
  const summary: [string, string][] = [
    ['model', `\`${input.model}\` from \`${input.file}\``],
    ['data', input.data],
    ['epochs', String(input.history.length)],
    ['training time', formatDuration(seconds)],
    [
      'final held-out accuracy',
      total > 0 ? `${formatPercent(correct / total)} (${correct} of ${total})` : '--',
    ],
    ['final held-out loss', last ? formatLoss(last.testLoss) : '--'],
    [
      'best held-out accuracy',
      best ? `${formatPercent(best.testAccuracy)} (epoch ${best.epoch})` : '--',
    ],
    ...(input.settings ?? []),
  ];
  const markdown = [
    `# Training report: ${input.model}`,
    '',
    '| | |',
    '| --- | --- |',
    ...summary.map(([name, value]) => `| ${name} | ${value.replace(/\|/g, '\\|')} |`),
    '',
    '## Curves',
    '',
    '![Loss per epoch](loss.svg)',
    '',
    '![Accuracy per epoch](accuracy.svg)',
    '',
    '## Epochs',
    '',
    ...epochTable(input.history),
    '',
    '## Confusion matrix',
    '',
    'Rows are the true classes of the held-out images, columns the predicted ones; shading is the',
    'fraction of the row. The counts are also in `metrics.json`.',
    '',
    '![Confusion matrix](confusion.svg)',
    '',
    '## Per class',
    '',
    ...classTable(input.confusion, labels),
    '',
    ...extra.markdown,
  ].join('\n');
  return new Map([
    ['report.md', markdown],
    ['loss.svg', lossChart(input.history)],
    ['accuracy.svg', accuracyChart(input.history)],
    ['confusion.svg', confusionMatrixSvg(input.confusion, labels)],
    ...extra.files,
    ['metrics.json', metricsJson(input, labels)],
  ]);
}
