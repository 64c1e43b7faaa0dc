// Renders an SVG written by `cnnc graph` to PNG with resvg, for docs/images/:
//   npx cnnc graph examples/resnet50.cnn -o build/r50.svg
//   npx tsx scripts/graph-png.ts build/r50.svg docs/images/resnet50-graph.png [--top PT] [--scale S]
// `--top PT` keeps the top PT points of the drawing (a tall graph's first stages).
import { Resvg } from '@resvg/resvg-js';
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output, ...rest] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: tsx scripts/graph-png.ts IN.svg OUT.png [--top PT] [--scale S]');
  process.exit(2);
}
const option = (name: string): number | undefined => {
  const at = rest.indexOf(name);
  return at >= 0 ? Number(rest[at + 1]) : undefined;
};
let svg = readFileSync(input, 'utf8');
const top = option('--top');
if (top !== undefined)
  svg = svg.replace(
    /<svg width="(\d+)pt" height="\d+pt"\n viewBox="0\.00 0\.00 ([\d.]+) [\d.]+"/,
    (_all, width: string, boxWidth: string) =>
      `<svg width="${width}pt" height="${top}pt"\n viewBox="0 0 ${boxWidth} ${top}"`,
  );
const scale = option('--scale') ?? 1;
const rendered = new Resvg(svg, {
  background: 'white',
  fitTo: { mode: 'zoom', value: scale },
  font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans Condensed' },
}).render();
writeFileSync(output, rendered.asPng());
console.log(`${output}: ${rendered.width} × ${rendered.height} px`);
