// `cnnc graph`: the DOT text escapes every label, ResNet-50 renders through Graphviz to an SVG
// that resvg turns into a PNG of the SVG's size with every layer and its shape, collapsed blocks
// and DenseNet-121 render, `.html` and `.dot` are written, and a bad `-o` is a one-line error.
import test from 'ava';
import { Resvg } from '@resvg/resvg-js';
import { instance } from '@viz-js/viz';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import { modelDot, quote } from '../../compiler/graph/dot.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cnnc-graph-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function compileExample(name: string) {
  const file = `examples/${name}.cnn`;
  const text = readFileSync(file, 'utf8');
  const compiled = compileSource(file, text);
  return { compiled, text };
}

/** The texts of each SVG node group by its Graphviz title (the DOT node id). */
function svgNodes(svg: string): Map<string, string[]> {
  const nodes = new Map<string, string[]>();
  for (const group of svg.split('<g id="node').slice(1)) {
    const title = /<title>([^<]*)<\/title>/.exec(group)?.[1] ?? '';
    const texts = [...group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    nodes.set(title, texts);
  }
  return nodes;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#45;/g, '-')
    .replace(/&amp;/g, '&');
}

test('quote escapes quotes, backslashes and line breaks, and Graphviz shows the text as is', async (t) => {
  const evil = 'a"b\\l \\N\n} x -> y [label="z"]; <b>&';
  t.is(quote('plain'), '"plain"');
  t.is(quote('a"b'), '"a\\"b"');
  t.is(quote('a\\l'), '"a\\\\l"');
  const viz = await instance();
  const svg = viz.renderString(`digraph { x [label=${quote(evil)}]; }`, { format: 'svg' });
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1]));
  t.deepEqual(texts, ['a"b\\l \\N', '} x -> y [label="z"]; <b>&']);
  t.is([...svg.matchAll(/<g id="node/g)].length, 1, 'one node: nothing escaped the label');
});

test('cnnc graph examples/resnet50.cnn -o r50.svg: a PNG of its size, every layer with its shape', async (t) => {
  const out = join(dir, 'r50.svg');
  const run = await runCli(['graph', 'examples/resnet50.cnn', '-o', out]);
  t.is(run.code, 0, run.stderr);
  const svg = readFileSync(out, 'utf8');
  const size = /<svg width="(\d+)pt" height="(\d+)pt"/.exec(svg);
  if (!size) return t.fail('no size in the SVG');
  const [width, height] = [Number(size[1]), Number(size[2])].map((pt) => Math.round((pt * 4) / 3));
  t.true(width > 500 && height > 10000, `${width} × ${height}`);
  const rendered = new Resvg(svg, { font: { loadSystemFonts: true } }).render();
  t.deepEqual([rendered.width, rendered.height], [width, height]);
  const png = rendered.asPng();
  t.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  t.true(png.length > 100_000, `${png.length} bytes`);
  // Not a blank picture: dark (text and lines) and coloured (filled boxes) pixels are both there.
  const pixels = rendered.pixels;
  let dark = 0;
  let blue = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] < 80 && pixels[i + 1] < 80 && pixels[i + 2] < 80 && pixels[i + 3] > 200) dark++;
    if (pixels[i] === 0xdb && pixels[i + 1] === 0xe4 && pixels[i + 2] === 0xff) blue++;
  }
  t.true(dark > 50_000 && blue > 50_000, `${dark} dark, ${blue} conv-blue pixels`);

  const { compiled, text } = compileExample('resnet50');
  const model = compiled.program.models[0];
  const nodes = svgNodes(svg);
  t.is(model.nodes.length, 175 + 1, 'ResNet-50: 175 layers and the input');
  for (const node of model.nodes) {
    const texts = (nodes.get(`n${node.id}`) ?? []).map(unescapeXml);
    const written = text
      .slice(node.span.start, node.span.end)
      .split('\n')[0]
      .replace(/\s+/g, ' ')
      .trim();
    // Calls longer than 48 characters are cut as in `cnnc summary`.
    const cut = written.length > 48 ? `${written.slice(0, 47)}…` : written;
    const title = node.op === 'input' ? `input ${node.name}` : cut;
    t.is(texts[0], title, `node ${node.id}`);
    t.is(texts[1], `[${(node.shape ?? []).join(', ')}]`, `node ${node.id} ${node.op}`);
  }
  const residualEdges = [...svg.matchAll(/<path fill="none" stroke="#e8590c"/g)].length;
  t.is(residualEdges, 16, 'one highlighted skip edge per bottleneck');
  t.is(nodes.get('out0')?.[0], 'output logits');
});

test('--collapse-blocks draws one box per outermost block call', async (t) => {
  const { compiled } = compileExample('resnet50');
  const dot = modelDot(compiled.program.models[0], { collapseBlocks: true });
  const boxes = [...dot.matchAll(/^\s+b\d+ \[label="([^"\\]*)/gm)].map((m) => m[1]);
  t.deepEqual(boxes, ['Stem[0]', 'Stage[0]', 'Stage[1]', 'Stage[2]', 'Stage[3]']);
  const viz = await instance();
  t.is(viz.render(dot, { format: 'svg' }).status, 'success');
});

test('DenseNet-121 renders with every layer', async (t) => {
  const out = join(dir, 'densenet.svg');
  const run = await runCli(['graph', 'examples/densenet121.cnn', '-o', out]);
  t.is(run.code, 0, run.stderr);
  const { compiled } = compileExample('densenet121');
  const nodes = svgNodes(readFileSync(out, 'utf8'));
  for (const node of compiled.program.models[0].nodes)
    t.true(nodes.has(`n${node.id}`), `node ${node.id}`);
});

test('.html wraps the SVG in a page; .dot is the DOT text; a bad -o is a one-line error', async (t) => {
  const html = join(dir, 'lenet.html');
  t.is((await runCli(['graph', 'examples/lenet5.cnn', '-o', html])).code, 0);
  const page = readFileSync(html, 'utf8');
  t.true(page.startsWith('<!doctype html>'));
  t.regex(page, /<title>LeNet5 \(examples\/lenet5\.cnn\)<\/title>/);
  t.regex(page, /<svg width=/);
  const dot = join(dir, 'lenet.dot');
  t.is((await runCli(['graph', 'examples/lenet5.cnn', '-o', dot])).code, 0);
  t.regex(readFileSync(dot, 'utf8'), /^digraph "LeNet5" \{/);
  const bad = await runCli(['graph', 'examples/lenet5.cnn', '-o', join(dir, 'x.png')]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^error: -o must end in \.svg, \.dot or \.html, found `.*x\.png`$/);
  const several = await runCli(['graph', 'examples/googlenet.cnn']);
  t.is(several.code, 2);
  t.regex(several.stderr, /several models \(GoogLeNet, GoogLeNetAux\); choose one with --model/);
  const one = await runCli(['graph', 'examples/googlenet.cnn', '--model', 'GoogLeNetAux']);
  t.is(one.code, 0);
  t.regex(one.stdout, /output aux2/);
});
