// Table-driven pass tests: each row compiles a small model, runs one pass, and compares the IR's
// text form (without spans) to the expected one; verifyGraph checks every result.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import type { Graph } from '../../compiler/ir/opt-graph.js';
import { printIr } from '../../compiler/passes/print-ir.js';
import { findPass, optimize, passes } from '../../compiler/passes/registry.js';
import { verifyGraph } from '../../compiler/passes/verify-graph.js';

function graphOf(body: string, input = '[2, 6, 6]'): Graph {
  const source = `model M {\n  input x: ${input}\n${body}\n  output y\n}\n`;
  const compiled = compileSource('m.cnn', source);
  return compiled.program.models[0];
}

/** The ops of the printed IR, one `op+epilogue` token per node, for compact expectations. */
function ops(graph: Graph): string {
  return printIr(graph)
    .split('\n')
    .filter((line) => line.trimStart().startsWith('%'))
    .map((line) => {
      const op = /= (\w+)\(/.exec(line)?.[1] ?? '?';
      const extras = [...line.matchAll(/ \+(\w+)/g)].map((m) => `+${m[1]}`).join('');
      const lowering = / lower=(\w+)/.exec(line)?.[1];
      return `${op}${extras}${lowering ? `@${lowering}` : ''}`;
    })
    .join(' ');
}

const rows: [string, string, string][] = [
  ['eliminate-dead-values', '  dropout(0.5)\n  relu\n  identity', 'input relu'],
  // Two no-ops in a row: the second one's input was already redirected by the first bypass.
  ['eliminate-dead-values', '  dropout(0.5)\n  identity\n  pad(1)', 'input pad'],
  ['fold-batchnorm', '  conv(4, 3)\n  batchnorm\n  relu', 'input conv+batchnorm relu'],
  ['fold-batchnorm', '  maxpool(2)\n  batchnorm', 'input maxpool batchnorm'],
  ['fuse-activation', '  conv(4, 3)\n  relu', 'input conv+relu'],
  ['fuse-activation', '  linear(3)\n  leaky_relu(alpha=0.2)', 'input linear+leaky_relu'],
  ['fuse-activation', '  residual {\n    conv(2, 3, pad=1)\n  }\n  relu', 'input conv add+relu'],
  ['fuse-elementwise', '  sigmoid\n  tanh\n  relu', 'input sigmoid+tanh+relu'],
  [
    'lower-convolutions',
    '  conv(4, 1)\n  conv(4, 3)\n  depthwise(3)',
    'input conv@gemm conv@im2col depthwise@direct',
  ],
];

for (const [name, body, expected] of rows) {
  test(`${name}: ${body.trim().replace(/\n\s*/g, '; ')}`, (t) => {
    const pass = findPass(name);
    if (!pass) return t.fail(`no pass ${name}`);
    const graph = graphOf(
      body,
      name === 'fuse-activation' && body.includes('linear') ? '[6]' : '[2, 6, 6]',
    );
    const result = pass.run(graph, { conv: 'auto' });
    t.deepEqual(verifyGraph(result.graph), []);
    t.is(ops(result.graph), expected);
  });
}

test('plan-memory reuses buffers and reports the peak', (t) => {
  const graph = graphOf(
    '  conv(4, 3, pad=1)\n  relu\n  conv(4, 3, pad=1)\n  relu\n  conv(4, 3, pad=1)',
  );
  const { graph: planned, notes } = optimize(graph, { level: 1, conv: 'auto', verify: true });
  t.truthy(planned.memory);
  t.true((planned.memory?.peakBytes ?? 0) < (planned.memory?.naiveBytes ?? 0));
  t.is(planned.memory?.buffers, 3);
  t.true(notes.some((n) => n.pass === 'plan-memory'));
});

test('every pass has a unique name and -O levels select them', (t) => {
  t.is(new Set(passes.map((p) => p.name)).size, passes.length);
  const graph = graphOf('  conv(4, 3)\n  batchnorm\n  relu\n  sigmoid\n  tanh');
  t.is(
    ops(optimize(graph, { level: 0, conv: 'auto' }).graph),
    'input conv batchnorm relu sigmoid tanh',
  );
  t.is(
    ops(optimize(graph, { level: 1, conv: 'auto' }).graph),
    'input conv+batchnorm+relu@im2col sigmoid tanh',
  );
  t.is(
    ops(optimize(graph, { level: 2, conv: 'auto' }).graph),
    'input conv+batchnorm+relu@im2col sigmoid+tanh',
  );
});

test('verifyGraph reports broken invariants', (t) => {
  const graph = graphOf('  relu');
  const broken: Graph = { ...graph, nodes: [...graph.nodes].reverse() };
  t.true(verifyGraph(broken).some((p) => p.includes('not defined before it')));
});
