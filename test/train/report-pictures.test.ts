// The report's pictures of the network: image grids drawn tile by tile, rendered to PNG and looked
// at pixel by pixel (size of the grid, the colour of known pixels), and per-class precision/recall.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionMatrix } from '../../trainer/core/confusion.js';
import { imageGridSvg, toByte, type ImageTile } from '../../trainer/core/image-grid.js';
import { perClassScores, renderReport } from '../../trainer/core/report.js';
import { writeReport } from '../../trainer/io/write-report.js';
import { decodePng } from '../helpers/png.js';
import { tempDir } from './fixtures.js';

/** A 5×5 tile whose pixel (y, x) is y·5 + x + offset: black at the top left, white at the bottom right. */
function ramp(offset: number, caption?: string): ImageTile {
  const pixels = Float32Array.from({ length: 25 }, (_, i) => i + offset);
  return { pixels, channels: 1, height: 5, width: 5, ...(caption ? { caption } : {}) };
}

/** The RGBA pixel at (x, y) of a rendered PNG. */
function pixelAt(png: Uint8Array, x: number, y: number): number[] {
  const image = decodePng(png);
  const at = (y * image.width + x) * 4;
  return Array.from(image.rgba.subarray(at, at + 4));
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

test('a grid has one rect per pixel, laid out in rows of `columns` tiles', (t) => {
  const tiles = Array.from({ length: 10 }, (_, i) => ramp(i * 100));
  const svg = imageGridSvg(tiles, { title: 'ramps', columns: 4, scale: 2 });
  const pixelRects = [...svg.matchAll(/<rect x=/g)].length;
  t.is(pixelRects, 10 * 25);
  // 4 columns of (5·2 + 6) px and 3 rows of (5·2 + 6) px inside 12 px margins and a 24 px title.
  t.regex(svg, /width="240" height="96"/);
  t.is(toByte(0, 0, 24), 0);
  t.is(toByte(24, 0, 24), 255);
  t.is(toByte(3, 3, 3), 128, 'a flat tile is mid grey');
});

test('report pictures render to PNG: filters and mistakes at the expected size and pixels', (t) => {
  const filters = { layer: '0.0', tiles: Array.from({ length: 6 }, (_, i) => ramp(-i, `${i}`)) };
  const mistakes = [{ ...ramp(0, '3 → 5 (97%)'), alert: true }];
  const dir = tempDir(t);
  const written = writeReport(dir, {
    model: 'M',
    file: 'm.cnn',
    data: 'test',
    history: [
      {
        epoch: 1,
        step: 1,
        trainLoss: 1,
        trainAccuracy: 0.5,
        testLoss: 1,
        testAccuracy: 0.5,
        seconds: 1,
      },
    ],
    confusion: confusionMatrix([0, 1], [0, 0], 2),
    filters,
    mistakes,
  });
  if (!written.ok) return t.fail(written.message);
  const png = new Uint8Array(readFileSync(join(dir, 'filters.png')));
  // 6 tiles in one row at scale round(56/5) = 11: 12 + 6·(55 + 6) − 6 + 12 wide; 12 + 24 + 55 + 6 + 14 + 12 high.
  t.deepEqual(pngSize(png), [384, 123]);
  // Tile 0's top-left pixel is its minimum (black), its bottom-right its maximum (white).
  t.deepEqual(pixelAt(png, 12 + 2, 36 + 2), [0, 0, 0, 255]);
  t.deepEqual(pixelAt(png, 12 + 54, 36 + 54), [255, 255, 255, 255]);
  // The next tile starts 61 px to the right, with the same normalised ramp.
  t.deepEqual(pixelAt(png, 12 + 61 + 2, 36 + 2), [0, 0, 0, 255]);
  const mistakesPng = new Uint8Array(readFileSync(join(dir, 'mistakes.png')));
  t.true(pngSize(mistakesPng)[0] >= 240);
  const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
  t.true(markdown.includes('![First-layer filters](filters.png)'));
  t.true(markdown.includes('![Most confidently wrong held-out images](mistakes.png)'));
});

test('per-class precision and recall come from the confusion matrix', (t) => {
  // truth:     0 0 1 1 1 2;  predicted: 0 1 1 1 2 2
  const matrix = confusionMatrix([0, 1, 1, 1, 2, 2], [0, 0, 1, 1, 1, 2], 3);
  const scores = perClassScores(matrix);
  t.deepEqual(
    scores.map((s) => [s.precision, s.recall, s.support]),
    [
      [1, 0.5, 2],
      [2 / 3, 2 / 3, 3],
      [0.5, 1, 1],
    ],
  );
  const markdown = renderReport({
    model: 'M',
    file: 'm.cnn',
    data: 'test',
    history: [],
    confusion: matrix,
  }).get('report.md');
  t.true(markdown?.includes('| 1 | 66.7% | 66.7% | 3 |'), markdown);
});
