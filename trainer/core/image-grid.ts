// Grids of small images as SVG, for the pictures of what a network learned: the first layer's
// filters, feature maps and held-out images. Each tile is normalised on its own (its minimum black,
// its maximum white), as filter and feature-map visualisations usually are (Zeiler & Fergus), and
// drawn as one `<rect>` per pixel with crisp edges, so the output is deterministic text.
import { coord, element, svgDocument, text } from './svg.js';

/** One tile: `channels` planes of `height`×`width` values (1 plane: grey; 3: red, green, blue). */
export interface ImageTile {
  pixels: ArrayLike<number>;
  channels: number;
  height: number;
  width: number;
  /** A caption under the tile. */
  caption?: string;
  /** Draw the caption in red (a wrong prediction). */
  alert?: boolean;
}

/** How to lay the tiles out. */
export interface GridOptions {
  title: string;
  /** Tiles per row. */
  columns: number;
  /** Screen pixels per image pixel (default: enough to make a tile about 56 pixels wide). */
  scale?: number;
  /** Normalise with one range for all tiles instead of per tile. */
  sharedRange?: boolean;
}

const MARGIN = 12;
const GAP = 6;
const TITLE_HEIGHT = 24;
const CAPTION_HEIGHT = 14;

/** The `[min, max]` of `values`, ignoring non-finite ones (`[0, 0]` when none are finite). */
export function valueRange(values: ArrayLike<number>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return low <= high ? [low, high] : [0, 0];
}

/** A value mapped to 0–255 within `[low, high]`; a flat range gives mid grey. */
export function toByte(value: number, low: number, high: number): number {
  if (!Number.isFinite(value)) return 0;
  if (high - low < 1e-12) return 128;
  return Math.max(0, Math.min(255, Math.round(((value - low) / (high - low)) * 255)));
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** The `fill` colour of pixel `(y, x)` of `tile` within `[low, high]`. */
function pixelColour(tile: ImageTile, y: number, x: number, low: number, high: number): string {
  const plane = tile.height * tile.width;
  const at = (c: number) => toByte(tile.pixels[c * plane + y * tile.width + x], low, high);
  if (tile.channels === 3) return `#${hex(at(0))}${hex(at(1))}${hex(at(2))}`;
  const grey = hex(at(0));
  return `#${grey}${grey}${grey}`;
}

/** The rects of one tile whose top-left corner is `(left, top)`. */
function tileRects(
  tile: ImageTile,
  left: number,
  top: number,
  scale: number,
  range: [number, number],
): string[] {
  const rects: string[] = [];
  for (let y = 0; y < tile.height; y++) {
    for (let x = 0; x < tile.width; x++) {
      rects.push(
        element('rect', {
          x: left + x * scale,
          y: top + y * scale,
          width: scale,
          height: scale,
          fill: pixelColour(tile, y, x, range[0], range[1]),
        }),
      );
    }
  }
  return rects;
}

/**
 * The grid as an SVG document, in cells the size of the largest tile; a `null` tile leaves its cell
 * empty (to start a new row).
 */
export function imageGridSvg(slots: readonly (ImageTile | null)[], options: GridOptions): string {
  const tiles = slots.filter((tile): tile is ImageTile => tile !== null);
  const columns = Math.max(1, Math.min(options.columns, slots.length || 1));
  const rows = Math.ceil(slots.length / columns);
  const tileW = Math.max(1, ...tiles.map((t) => t.width));
  const tileH = Math.max(1, ...tiles.map((t) => t.height));
  const scale = options.scale ?? Math.max(1, Math.round(56 / tileW));
  const captioned = tiles.some((t) => t.caption !== undefined);
  const cellW = tileW * scale + GAP;
  const cellH = tileH * scale + GAP + (captioned ? CAPTION_HEIGHT : 0);
  const width = Math.max(2 * MARGIN + columns * cellW - GAP, 240);
  const height = 2 * MARGIN + TITLE_HEIGHT + rows * cellH;
  const shared = options.sharedRange
    ? valueRange(tiles.flatMap((t) => Array.from(t.pixels)))
    : undefined;
  const content: string[] = [
    text(options.title, { x: MARGIN, y: MARGIN + 12, 'font-weight': 'bold' }),
    '<g shape-rendering="crispEdges">',
  ];
  const captions: string[] = [];
  slots.forEach((tile, idx) => {
    if (tile === null) return;
    const left = MARGIN + (idx % columns) * cellW;
    const top = MARGIN + TITLE_HEIGHT + Math.floor(idx / columns) * cellH;
    content.push(...tileRects(tile, left, top, scale, shared ?? valueRange(tile.pixels)));
    if (tile.caption !== undefined)
      captions.push(
        text(tile.caption, {
          x: coord(left),
          y: coord(top + tileH * scale + 11),
          'font-size': 10,
          fill: tile.alert ? '#d62728' : '#333333',
        }),
      );
  });
  content.push('</g>', ...captions);
  return svgDocument(width, height, options.title, content);
}
