// Expansion semantics: how statements become graph nodes (LANGUAGE.md §4), checked on small
// programs by the ops and shapes of the resulting graph.
import test from 'ava';
import { compileSource, type SourceHost } from '../../compiler/compile.js';
import type { ModelGraph } from '../../compiler/ir/graph.js';

function model(body: string, prelude = ''): ModelGraph {
  const text = `${prelude}\nmodel M {\n${body}\n}\n`;
  const result = compileSource('m.cnn', text);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  return result.program.models[0];
}

/** `op[shape]` for each node, in order. */
function trace(graph: ModelGraph): string[] {
  return graph.nodes.map((n) => `${n.op}[${n.shape?.join(',') ?? '?'}]`);
}

function outputShape(graph: ModelGraph, name?: string): readonly number[] | undefined {
  const output = name ? graph.outputs.find((o) => o.name === name) : graph.outputs[0];
  return output && graph.nodes[output.node].shape;
}

test('`let` binds a value without advancing the chain', (t) => {
  const graph = model(`  input x: [3, 8, 8]
  let a = conv(4, 1)
  let b = conv(6, 3, pad=1) -> relu
  concat(a, b)
  output y`);
  t.deepEqual(outputShape(graph), [10, 8, 8]);
  const concat = graph.nodes.find((n) => n.op === 'concat')!;
  const convs = graph.nodes.filter((n) => n.op === 'conv');
  t.deepEqual(
    convs.map((c) => c.inputs),
    [[0], [0]],
    'both lets start from the input',
  );
  t.is(concat.inputs.length, 2);
});

test('a statement starting with a bound name restarts the chain from it', (t) => {
  const graph = model(`  input x: [3, 8, 8]
  let e1 = conv(4, 3, pad=1)
  e1 -> maxpool(2)
  output y`);
  t.deepEqual(outputShape(graph), [4, 4, 4]);
});

test('`residual` adds the body to the identity, or to the shortcut when its condition holds', (t) => {
  const prelude = `block B(c, stride = 1) {
  residual {
    conv(c, 3, stride=stride, pad=1)
  } shortcut if stride != 1 or in.channels != c {
    conv(c, 1, stride=stride)
  }
}`;
  const same = model('  input x: [8, 8, 8]\n  B(8)\n  output y', prelude);
  t.deepEqual(trace(same), ['input[8,8,8]', 'conv[8,8,8]', 'add[8,8,8]']);
  const down = model('  input x: [8, 8, 8]\n  B(16, stride=2)\n  output y', prelude);
  t.deepEqual(trace(down), ['input[8,8,8]', 'conv[16,4,4]', 'conv[16,4,4]', 'add[16,4,4]']);
});

test('`concat { branch … }` runs every branch on the same input', (t) => {
  const graph = model(`  input x: [3, 8, 8]
  concat {
    branch { conv(2, 1) }
    branch { conv(3, 3, pad=1) }
    branch { maxpool(3, stride=1, pad=1) }
  }
  output y`);
  t.deepEqual(outputShape(graph), [8, 8, 8]);
  t.true(
    graph.nodes
      .filter((n) => n.op !== 'concat' && n.op !== 'input')
      .every((n) => n.inputs[0] === 0),
  );
});

test('`dense` concatenates the input with the body; `repeat` and `for` unroll', (t) => {
  const graph = model(
    `  input x: [4, 8, 8]
  repeat 3 {
    dense { conv(2, 3, pad=1) }
  }
  Widen()
  output y`,
    'block Widen() {\n  for i in 0..2 {\n    conv(in.channels + i, 1)\n  }\n}',
  );
  // 4 + 3·2 = 10 channels; `in` inside `for` is the block's input: conv(10 + 0), conv(10 + 1).
  t.deepEqual(outputShape(graph), [11, 8, 8]);
  t.is(graph.nodes.filter((n) => n.op === 'concat').length, 3);
});

test('`in` and its properties follow the innermost block or body', (t) => {
  const graph = model(
    '  input x: [6, 10, 12]\n  Probe()\n  output y',
    'block Probe() {\n  conv(in.channels * 2, (in.height - 9, in.width - 11))\n  let a = conv(in.channels, 1)\n  add(a, in)\n}',
  );
  // conv(6 · 2, (10 − 9, 12 − 11)) keeps 10×12; `let a` starts from the chain (12 channels, so
  // `in.channels` is still the block input's 6); `add(a, in)` joins it with the block input.
  t.deepEqual(graph.nodes[1].shape, [12, 10, 12]);
  t.deepEqual(outputShape(graph), [6, 10, 12]);
});

test('compile-time arithmetic: integer division is exact or an error', (t) => {
  t.deepEqual(
    outputShape(model('  input x: [3, 8, 8]\n  conv(W / 2, 1)\n  output y', 'const W = 64')),
    [32, 8, 8],
  );
  const odd = compileSource(
    'm.cnn',
    'const W = 63\nmodel M {\n  input x: [3, 8, 8]\n  conv(W / 2, 1)\n  output y\n}\n',
  );
  t.deepEqual(
    odd.diagnostics.map((d) => d.code),
    ['CNN2007'],
  );
  t.deepEqual(
    outputShape(
      model(
        '  input x: [3, 8, 8]\n  conv(floor(W / 2) + max(1, 2) * 3 % 4, 1)\n  output y',
        'const W = 63',
      ),
    ),
    [33, 8, 8],
  );
});

test('`if`/`else if`/`else` choose a body at compile time', (t) => {
  const prelude =
    'block Pick(k) {\n  if k == 1 {\n    relu\n  } else if k == 2 {\n    maxpool(2)\n  } else {\n    flatten\n  }\n}';
  t.deepEqual(
    outputShape(model('  input x: [2, 4, 4]\n  Pick(1)\n  output y', prelude)),
    [2, 4, 4],
  );
  t.deepEqual(
    outputShape(model('  input x: [2, 4, 4]\n  Pick(2)\n  output y', prelude)),
    [2, 2, 2],
  );
  t.deepEqual(outputShape(model('  input x: [2, 4, 4]\n  Pick(3)\n  output y', prelude)), [32]);
});

test('several inputs and outputs, `output name = pipe`', (t) => {
  const graph = model(`  input a: [3, 8, 8]
  input b: [3, 8, 8]
  add(a, b)
  output sum
  output pooled = sum -> avgpool(global) -> flatten`);
  t.deepEqual(outputShape(graph, 'sum'), [3, 8, 8]);
  t.deepEqual(outputShape(graph, 'pooled'), [3]);
  t.is(graph.inputs.length, 2);
});

test('imports bring blocks and constants of another file, resolved through the host', (t) => {
  const files: Record<string, string> = {
    'lib/blocks.cnn': 'const WIDTH = 8\nblock Stem() {\n  conv(WIDTH, 3, pad=1)\n  relu\n}\n',
  };
  const host: SourceHost = {
    read: (path) => files[path],
    resolve: (from, spec) => (from === 'main.cnn' ? `lib/${spec}` : spec),
  };
  const text =
    'import "blocks.cnn"\nmodel M {\n  input x: [3, 16, 16]\n  Stem()\n  conv(WIDTH * 2, 1)\n  output y\n}\n';
  const result = compileSource('main.cnn', text, host);
  t.deepEqual(result.diagnostics, []);
  const graph = result.program.models[0];
  t.deepEqual(graph.nodes.at(-1)?.shape, [16, 16, 16]);
});

test('a block called twice reports its error once', (t) => {
  const text =
    'block B() {\n  conv(4, 3, strde=1)\n}\nmodel M {\n  input x: [3, 8, 8]\n  B()\n  B()\n  output y\n}\n';
  const result = compileSource('m.cnn', text);
  t.deepEqual(
    result.diagnostics.map((d) => d.code),
    ['CNN2002'],
  );
});

test('one mistake gives one error: layers after a shape error are not checked again', (t) => {
  const text =
    'model M {\n  input x: [3, 4, 4]\n  conv(8, 5)\n  conv(8, 3)\n  linear(10)\n  output y\n}\n';
  const result = compileSource('m.cnn', text);
  t.deepEqual(
    result.diagnostics.map((d) => d.code),
    ['CNN3001'],
  );
});

test('`init = normal(std)` needs a positive std', (t) => {
  const text = (std: string) =>
    `model M {\n  input x: [4]\n  linear(2)\n  output y\n}\ntrain M {\n  init = normal(${std})\n}\n`;
  t.deepEqual(compileSource('m.cnn', text('0.01')).diagnostics, []);
  const bad = compileSource('m.cnn', text('-0.5')).diagnostics;
  t.deepEqual(
    bad.map((d) => `${d.code} ${d.message}`),
    ['CNN2021 `std` of `normal` must be positive, found -0.5'],
  );
});
