// Error recovery: independent syntax errors are each reported once, where they are, with no
// follow-on errors.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildLineIndex, displayPositionAt } from '../../compiler/diagnostics/line-index.js';

const source = `// line 1
model Net {
  input x: [1, 28, 28
  conv(6, 5, pad=2)
  relu
  maxpool(2)
  conv(16, 5 stride=1)
  relu
  maxpool(2)
  flatten
  linear(120)
  relu @
  linear(10)
  output logits
}
`;

test('three independent syntax errors on lines 3, 7 and 12 are all reported, and nothing else', (t) => {
  const { diagnostics } = compileSource('net.cnn', source);
  const index = buildLineIndex(source);
  const where = diagnostics.map((d) => {
    const position = displayPositionAt(index, d.span.start);
    return `${d.code} ${position.line}:${position.column}`;
  });
  // Columns: line 3 ends after `28` (col 22); line 7 `stride` starts at col 14; `@` at col 8.
  t.deepEqual(where, ['CNN1011 3:22', 'CNN1011 7:14', 'CNN1001 12:8']);
});

test('a missing `)` does not swallow the following lines', (t) => {
  const text = 'model A {\n  input x: [1, 8, 8]\n  conv(4, 3\n  relu\n  output y\n}\n';
  const { diagnostics } = compileSource('a.cnn', text);
  t.is(diagnostics.length, 1);
  t.is(diagnostics[0].code, 'CNN1011');
});

test('junk lines inside and outside bodies are reported once each', (t) => {
  const text = 'model A {\n  input x: [1, 8, 8]\n  = relu\n  output y\n}\n}\nmodel B {\n  ) x\n}\n';
  const { diagnostics } = compileSource('a.cnn', text);
  t.deepEqual(
    diagnostics.map((d) => d.code),
    ['CNN1012', 'CNN1014', 'CNN1012'],
  );
});
