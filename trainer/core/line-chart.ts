// A line chart as SVG: the per-epoch curves of the training report (loss, accuracy), with axes,
// ticks, grid lines, axis labels and a legend.
import { coord, element, integerTicks, niceTicks, svgDocument, text, tickLabel } from './svg.js';

/** One curve: `points` are `[x, y]` pairs; non-finite `y` values leave a gap. */
export interface LineSeries {
  name: string;
  color: string;
  points: [number, number][];
  /** Draw the line dashed (e.g. for the training curve beside the held-out one). */
  dashed?: boolean;
}

/** What to draw. `yRange` fixes the y axis (e.g. `[0, 1]` for accuracy); otherwise it fits the data. */
export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  yRange?: [number, number];
  /** Show y tick labels as percentages of 1 (`0.9` → `90%`). */
  percent?: boolean;
}

const WIDTH = 560;
const HEIGHT = 340;
const PLOT = { left: 64, right: 24, top: 60, bottom: 56 };

/** The plotted range of the finite values of every series along `axis` (0 = x, 1 = y). */
function extent(series: LineSeries[], axis: 0 | 1): [number, number] {
  const values = series
    .flatMap((s) => s.points.map((point) => point[axis]))
    .filter(Number.isFinite);
  return values.length === 0 ? [0, 1] : [Math.min(...values), Math.max(...values)];
}

/** The SVG path of one series, with a new `M` after each gap. */
function linePath(
  points: [number, number][],
  toX: (x: number) => number,
  toY: (y: number) => number,
): string {
  let path = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    path += `${pen ? 'L' : 'M'}${coord(toX(x))} ${coord(toY(y))}`;
    pen = true;
  }
  return path;
}

/** Renders `chart` as a standalone SVG document (560×340). Deterministic. */
export function lineChartSvg(chart: LineChart): string {
  const [xLow, xHigh] = extent(chart.series, 0);
  const xTicks = integerTicks(xLow, xHigh);
  const yTicks = chart.yRange ? niceTicks(...chart.yRange) : niceTicks(...extent(chart.series, 1));
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const toX = (x: number) => PLOT.left + ((x - xTicks.min) / (xTicks.max - xTicks.min)) * plotWidth;
  const toY = (y: number) =>
    PLOT.top + (1 - (y - yTicks.min) / (yTicks.max - yTicks.min)) * plotHeight;
  const bottom = PLOT.top + plotHeight;
  const parts: string[] = [
    text(chart.title, {
      x: WIDTH / 2,
      y: 22,
      'text-anchor': 'middle',
      'font-size': 15,
      'font-weight': 'bold',
    }),
  ];
  for (const value of yTicks.values) {
    const y = toY(value);
    const label = chart.percent
      ? `${tickLabel(value * 100, yTicks.step * 100)}%`
      : tickLabel(value, yTicks.step);
    parts.push(
      element('line', {
        x1: PLOT.left,
        y1: y,
        x2: PLOT.left + plotWidth,
        y2: y,
        stroke: '#e5e5e5',
      }),
    );
    parts.push(text(label, { x: PLOT.left - 8, y: y + 4, 'text-anchor': 'end', fill: '#333333' }));
  }
  for (const value of xTicks.values) {
    const x = toX(value);
    parts.push(element('line', { x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: '#333333' }));
    parts.push(
      text(tickLabel(value, xTicks.step), {
        x,
        y: bottom + 19,
        'text-anchor': 'middle',
        fill: '#333333',
      }),
    );
  }
  parts.push(
    element('path', {
      d: `M${PLOT.left} ${PLOT.top}V${bottom}H${PLOT.left + plotWidth}`,
      fill: 'none',
      stroke: '#333333',
    }),
  );
  parts.push(
    text(chart.xLabel, { x: PLOT.left + plotWidth / 2, y: HEIGHT - 14, 'text-anchor': 'middle' }),
  );
  parts.push(
    text(chart.yLabel, {
      x: 0,
      y: 0,
      'text-anchor': 'middle',
      transform: `translate(16 ${coord(PLOT.top + plotHeight / 2)}) rotate(-90)`,
    }),
  );
  for (const series of chart.series) {
    const dash: Record<string, string> = series.dashed ? { 'stroke-dasharray': '6 4' } : {};
    parts.push(
      element('path', {
        d: linePath(series.points, toX, toY),
        fill: 'none',
        stroke: series.color,
        'stroke-width': 2,
        ...dash,
      }),
    );
    for (const [x, y] of series.points.filter(
      ([px, py]) => Number.isFinite(px) && Number.isFinite(py),
    )) {
      parts.push(element('circle', { cx: toX(x), cy: toY(y), r: 3, fill: series.color }));
    }
  }
  // The legend sits in one row between the title and the plot, so it never hides a curve.
  const legendWidth = chart.series.map((series) => 40 + series.name.length * 7);
  let legendX = (WIDTH - legendWidth.reduce((acc, w) => acc + w, 0)) / 2;
  chart.series.forEach((series, idx) => {
    const dash: Record<string, string> = series.dashed ? { 'stroke-dasharray': '6 4' } : {};
    parts.push(
      element('line', {
        x1: legendX,
        y1: 40,
        x2: legendX + 24,
        y2: 40,
        stroke: series.color,
        'stroke-width': 2,
        ...dash,
      }),
    );
    parts.push(text(series.name, { x: legendX + 30, y: 44, fill: '#333333' }));
    legendX += legendWidth[idx];
  });
  return svgDocument(WIDTH, HEIGHT, chart.title, parts);
}
