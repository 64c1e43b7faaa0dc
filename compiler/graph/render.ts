// Lays out a DOT graph with Graphviz (`@viz-js/viz`, Graphviz compiled to WebAssembly) and wraps
// the SVG in a page for `.html`. No files are touched here; the CLI writes the result.
import { instance } from '@viz-js/viz';

/** What `cnnc graph` can write. */
export type GraphFormat = 'svg' | 'dot' | 'html';

/** `&`, `<`, `>` and quotes as HTML entities. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Renders `dot` as `format`; an error is Graphviz's own message (a bug in the DOT text). */
export async function renderDot(dot: string, format: GraphFormat, title: string): Promise<string> {
  if (format === 'dot') return dot;
  const viz = await instance();
  const result = viz.render(dot, { format: 'svg', engine: 'dot' });
  if (result.status !== 'success')
    throw new Error(
      `internal error: Graphviz rejected the graph: ${result.errors.map((e) => e.message).join('; ')}`,
    );
  const svg = result.output;
  if (format === 'svg') return svg;
  const body = svg.slice(svg.indexOf('<svg'));
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body { margin: 0; font-family: Helvetica, Arial, sans-serif; } svg { display: block; margin: 1em auto; }</style>',
    '</head>',
    '<body>',
    body.trimEnd(),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
