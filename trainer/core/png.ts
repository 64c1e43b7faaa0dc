// SVG to PNG through resvg (a maintained Rust SVG renderer shipped as a Node addon in its npm
// package), so the report's pictures show where SVG does not: chat windows, some Markdown viewers.
import { Resvg } from '@resvg/resvg-js';

/** Renders an SVG document to PNG bytes at its own size, on a white background. */
export function svgToPng(svg: string): Uint8Array {
  const rendered = new Resvg(svg, { background: '#ffffff', font: { loadSystemFonts: true } });
  return rendered.render().asPng();
}
