// The confusion matrix as an SVG heat map: one cell per (true, predicted) pair holding its count,
// shaded by the fraction of the true class it represents, with class labels on both axes and a
// colour-scale legend.
import type { ConfusionMatrix } from './confusion.js';
import { coord, element, svgDocument, text } from './svg.js';

/** Endpoints of the sequential colour scale (ColorBrewer "Blues"). */
const LIGHT = [247, 251, 255];
const DARK = [8, 48, 107];

/**
 * The colour of `fraction` in `[0, 1]` on the white-to-blue scale, as `#rrggbb`. The scale is by
 * square root, so that the few errors off the diagonal (often 1–5% of a row) stay visible.
 */
export function scaleColor(fraction: number): string {
  const clamped = Math.sqrt(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)));
  return `#${LIGHT.map((light, idx) =>
    Math.round(light + (DARK[idx] - light) * clamped)
      .toString(16)
      .padStart(2, '0'),
  ).join('')}`;
}

/** Renders `matrix` with `labels` (one per class; default the class indices). Deterministic. */
export function confusionMatrixSvg(
  matrix: ConfusionMatrix,
  labels: string[] = Array.from({ length: matrix.classes }, (_, idx) => String(idx)),
  title = 'Confusion matrix (held-out data)',
): string {
  const cell = matrix.classes <= 12 ? 42 : Math.max(14, Math.floor(504 / matrix.classes));
  const left = 96;
  const top = 64;
  const size = cell * matrix.classes;
  const width = left + size + 110;
  const height = top + size + 36;
  const parts = [
    text(title, {
      x: width / 2,
      y: 22,
      'text-anchor': 'middle',
      'font-size': 15,
      'font-weight': 'bold',
    }),
  ];
  parts.push(text('predicted class', { x: left + size / 2, y: 44, 'text-anchor': 'middle' }));
  parts.push(
    text('true class', {
      x: 0,
      y: 0,
      'text-anchor': 'middle',
      transform: `translate(${left - 44} ${coord(top + size / 2)}) rotate(-90)`,
    }),
  );
  const fontSize = Math.min(12, Math.floor(cell / 3.2));
  matrix.counts.forEach((row, trueClass) => {
    const rowTotal = row.reduce((acc, value) => acc + value, 0);
    const y = top + trueClass * cell;
    parts.push(
      text(labels[trueClass] ?? String(trueClass), {
        x: left - 8,
        y: y + cell / 2 + 4,
        'text-anchor': 'end',
      }),
    );
    row.forEach((count, predicted) => {
      const fraction = rowTotal > 0 ? count / rowTotal : 0;
      const x = left + predicted * cell;
      parts.push(
        element('rect', {
          x,
          y,
          width: cell,
          height: cell,
          fill: scaleColor(fraction),
          stroke: '#ffffff',
        }),
      );
      if (count > 0) {
        const ink = fraction > 0.5 ? '#ffffff' : '#1a1a1a';
        parts.push(
          text(String(count), {
            x: x + cell / 2,
            y: y + cell / 2 + fontSize / 3,
            'text-anchor': 'middle',
            fill: ink,
            'font-size': fontSize,
          }),
        );
      }
    });
  });
  labels.slice(0, matrix.classes).forEach((label, predicted) => {
    parts.push(
      text(label, {
        x: left + predicted * cell + cell / 2,
        y: top + size + 16,
        'text-anchor': 'middle',
      }),
    );
  });
  // The legend: a vertical gradient from 0% (bottom) to 100% (top) of the true class, with ticks
  // placed on the same square-root scale as the cells.
  const legendX = left + size + 24;
  const stops = [0, 0.25, 0.5, 0.75, 1].map(
    (at) => `<stop offset="${at}" stop-color="${scaleColor(at * at)}"/>`,
  );
  parts.push(
    `<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">${stops.join('')}</linearGradient></defs>`,
  );
  parts.push(
    element('rect', {
      x: legendX,
      y: top,
      width: 14,
      height: size,
      fill: 'url(#scale)',
      stroke: '#999999',
    }),
  );
  parts.push(
    text('share of row', { x: legendX - 4, y: top - 8, fill: '#555555', 'font-size': 11 }),
  );
  for (const share of [0, 0.05, 0.25, 0.5, 1]) {
    const y = top + size * (1 - Math.sqrt(share));
    parts.push(
      element('line', { x1: legendX + 14, y1: y, x2: legendX + 18, y2: y, stroke: '#999999' }),
    );
    parts.push(text(`${Math.round(share * 100)}%`, { x: legendX + 21, y: y + 4, 'font-size': 11 }));
  }
  return svgDocument(width, height, title, parts);
}
