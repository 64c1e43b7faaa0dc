import test from 'ava';
import { renderDiagnostic, renderTerminal } from '../../compiler/diagnostics/render-terminal.js';
import { label, lenet, makeDiagnostic, sourcesOf, spanOf } from './fixtures.js';

const file = 'examples/lenet5.cnn';
const sources = sourcesOf({ [file]: lenet });
const plain = { color: false };

/** Renders one diagnostic without colour. */
function render(diagnostic: Parameters<typeof renderDiagnostic>[0], lookup = sources): string {
  return renderDiagnostic(diagnostic, lookup, plain);
}

const lines = (...rows: string[]): string => rows.join('\n');

test('a single-line span with a note and a hint', (t) => {
  const span = spanOf(file, lenet, 'linear(120)');
  const diagnostic = makeDiagnostic(
    'CNN3002',
    span,
    '`linear` expects a 1-D input, found [16, 5, 5]',
    {
      labels: [label(span, 'expects [features]')],
      notes: ['`linear` multiplies a vector by a matrix'],
      hints: ['insert `flatten` before this line (400 features)'],
    },
  );
  t.is(
    render(diagnostic),
    lines(
      'error[CNN3002]: `linear` expects a 1-D input, found [16, 5, 5]',
      '  --> examples/lenet5.cnn:11:3',
      '   |',
      '11 |   linear(120)',
      '   |   ^^^^^^^^^^^ expects [features]',
      '   = note: `linear` multiplies a vector by a matrix',
      '   = help: insert `flatten` before this line (400 features)',
    ),
  );
});

test('a label before the primary span, across a gap of several lines', (t) => {
  const diagnostic = makeDiagnostic('CNN3002', spanOf(file, lenet, 'linear(120)'), 'bad input', {
    labels: [label(spanOf(file, lenet, 'conv(16, 5)'), 'output is [16, 10, 10]')],
  });
  t.is(
    render(diagnostic),
    lines(
      'error[CNN3002]: bad input',
      '  --> examples/lenet5.cnn:11:3',
      '   |',
      ' 6 |   conv(16, 5)',
      '   |   ----------- output is [16, 10, 10]',
      '...',
      '11 |   linear(120)',
      '   |   ^^^^^^^^^^^',
    ),
  );
});

test('a single hidden line is shown instead of `...`', (t) => {
  const diagnostic = makeDiagnostic('CNN3002', spanOf(file, lenet, 'linear(120)'), 'bad input', {
    labels: [label(spanOf(file, lenet, 'maxpool(2)', 1), 'output is [16, 5, 5]')],
  });
  t.is(
    render(diagnostic),
    lines(
      'error[CNN3002]: bad input',
      '  --> examples/lenet5.cnn:11:3',
      '   |',
      ' 9 |   maxpool(2)',
      '   |   ---------- output is [16, 5, 5]',
      '10 |   // flatten is missing',
      '11 |   linear(120)',
      '   |   ^^^^^^^^^^^',
    ),
  );
});

test('a label after the primary span, and the header points at the primary span', (t) => {
  const diagnostic = makeDiagnostic('CNN2012', spanOf(file, lenet, 'image'), 'unused input', {
    severity: 'warning',
    labels: [label(spanOf(file, lenet, 'output logits'), 'the only output')],
  });
  t.is(
    render(diagnostic),
    lines(
      'warning[CNN2012]: unused input',
      '  --> examples/lenet5.cnn:2:9',
      '   |',
      ' 2 |   input image: [1, 32, 32]',
      '   |         ^^^^^',
      '...',
      '12 |   output logits',
      '   |   ------------- the only output',
    ),
  );
});

test('several labels on one line hang below the marks, rightmost beside them', (t) => {
  const source = 'model M {\n  add(a, b, c)\n}\n';
  const lookup = sourcesOf({ 'm.cnn': source });
  const diagnostic = makeDiagnostic('CNN3005', spanOf('m.cnn', source, 'add'), 'shapes differ', {
    labels: [
      label(spanOf('m.cnn', source, 'a', 1), '[8, 4, 4]'),
      label(spanOf('m.cnn', source, 'b'), '[8, 2, 2]'),
      label(spanOf('m.cnn', source, 'c'), '[4, 4, 4]'),
    ],
  });
  t.is(
    render(diagnostic, lookup),
    lines(
      'error[CNN3005]: shapes differ',
      ' --> m.cnn:2:3',
      '  |',
      '2 |   add(a, b, c)',
      '  |   ^^^ -  -  - [4, 4, 4]',
      '  |       |  |',
      '  |       |  [8, 2, 2]',
      '  |       [8, 4, 4]',
    ),
  );
});

test('a multi-line span is marked on its first line, to the end of that line', (t) => {
  const source = 'model M {\n  residual {\n    relu\n  }\n}\n';
  const lookup = sourcesOf({ 'm.cnn': source });
  const start = source.indexOf('residual');
  const span = { file: 'm.cnn', start, end: source.indexOf('  }') + 3 };
  const diagnostic = makeDiagnostic('CNN3005', span, 'shapes differ', {
    labels: [label(span, 'body output is [8, 4, 4]')],
  });
  t.is(
    render(diagnostic, lookup),
    lines(
      'error[CNN3005]: shapes differ',
      ' --> m.cnn:2:3',
      '  |',
      '2 |   residual {',
      '  |   ^^^^^^^^^^ body output is [8, 4, 4]',
    ),
  );
});

test('labels in another file get their own block; the gutter fits the widest line number', (t) => {
  const main =
    'import "blocks.cnn"\nmodel M {\n  input x: [3, 8, 8]\n  Basic(8, 3)\n  output y\n}\n';
  const blocks = `${'// padding\n'.repeat(11)}block Basic(c) {\n  conv(c, 3)\n}\n`;
  const lookup = sourcesOf({ 'main.cnn': main, 'blocks.cnn': blocks });
  const diagnostic = makeDiagnostic(
    'CNN2006',
    spanOf('main.cnn', main, '3', 1),
    'too many arguments',
    {
      labels: [label(spanOf('blocks.cnn', blocks, '(c)'), '`Basic` takes 1 argument')],
      hints: ['remove the extra argument'],
    },
  );
  t.is(
    render(diagnostic, lookup),
    lines(
      'error[CNN2006]: too many arguments',
      '  --> main.cnn:4:12',
      '   |',
      ' 4 |   Basic(8, 3)',
      '   |            ^',
      '   |',
      '  --> blocks.cnn:12:12',
      '   |',
      '12 | block Basic(c) {',
      '   |            --- `Basic` takes 1 argument',
      '   = help: remove the extra argument',
    ),
  );
});

test('tabs are expanded and marks line up under them', (t) => {
  const source = 'model M {\n\tconv(8,\t3)\n}\n';
  const lookup = sourcesOf({ 't.cnn': source });
  const diagnostic = makeDiagnostic('CNN2008', spanOf('t.cnn', source, '3'), 'kernel too large');
  t.is(
    render(diagnostic, lookup),
    lines(
      'error[CNN2008]: kernel too large',
      ' --> t.cnn:2:10',
      '  |',
      '2 |     conv(8,    3)',
      '  |                ^',
    ),
  );
});

test('an empty span at the end of a CRLF line gets one caret after the text', (t) => {
  const source = 'model M {\r\n  conv(8, 3\r\n}\r\n';
  const lookup = sourcesOf({ 'c.cnn': source });
  const at = source.indexOf('3') + 1;
  const diagnostic = makeDiagnostic(
    'CNN1011',
    { file: 'c.cnn', start: at, end: at },
    'expected `)`',
    {
      labels: [label(spanOf('c.cnn', source, '('), 'opened here')],
    },
  );
  t.is(
    render(diagnostic, lookup),
    lines(
      'error[CNN1011]: expected `)`',
      ' --> c.cnn:2:12',
      '  |',
      '2 |   conv(8, 3',
      '  |       -    ^',
      '  |       |',
      '  |       opened here',
    ),
  );
});

test('an empty file and a span past the end still render', (t) => {
  const lookup = sourcesOf({ 'empty.cnn': '' });
  const diagnostic = makeDiagnostic(
    'CNN1020',
    { file: 'empty.cnn', start: 0, end: 40 },
    'the file is empty',
  );
  t.is(
    render(diagnostic, lookup),
    lines('error[CNN1020]: the file is empty', ' --> empty.cnn:1:1', '  |', '1 |', '  | ^'),
  );
});

test('a file whose text is unavailable shows its name and the label messages', (t) => {
  const diagnostic = makeDiagnostic('CNN1021', { file: 'bad.cnn', start: 3, end: 4 }, 'not UTF-8', {
    labels: [label({ file: 'bad.cnn', start: 3, end: 4 }, 'byte 0xE9')],
  });
  t.is(
    render(diagnostic),
    lines('error[CNN1021]: not UTF-8', ' --> bad.cnn', '  = label: byte 0xE9'),
  );
});

test('fixes that no hint states become help lines; multi-line notes stay aligned', (t) => {
  const span = spanOf(file, lenet, 'linear');
  const diagnostic = makeDiagnostic('CNN2001', span, 'unknown layer', {
    hints: ['did you mean `maxpool`?'],
    notes: ['o = floor((i - k) / s) + 1\n  = floor((5 - 7) / 1) + 1'],
    fixes: [
      { message: 'did you mean `maxpool`?', span, replacement: 'maxpool' },
      {
        message: 'insert `flatten`',
        span: { ...span, end: span.start },
        replacement: 'flatten\n  ',
      },
    ],
  });
  const rendered = render(diagnostic).split('\n').slice(5);
  t.deepEqual(rendered, [
    '   = note: o = floor((i - k) / s) + 1',
    '             = floor((5 - 7) / 1) + 1',
    '   = help: did you mean `maxpool`?',
    '   = help: insert `flatten`',
  ]);
});

test('reports are sorted, separated by blank lines and end with a summary', (t) => {
  const late = makeDiagnostic('CNN2001', spanOf(file, lenet, 'linear'), 'late');
  const early = makeDiagnostic('CNN2012', spanOf(file, lenet, 'relu'), 'early', {
    severity: 'warning',
  });
  const other = makeDiagnostic('CNN2001', { file: 'a.cnn', start: 0, end: 1 }, 'other file');
  const output = renderTerminal(
    [late, other, early],
    sourcesOf({ [file]: lenet, 'a.cnn': 'x' }),
    plain,
  );
  const headlines = output.split('\n').filter((line) => /^\w+(\[|:)/.test(line));
  t.deepEqual(headlines, [
    'error[CNN2001]: other file',
    'warning[CNN2012]: early',
    'error[CNN2001]: late',
    'error: could not check `a.cnn` and `examples/lenet5.cnn`: 2 errors, 1 warning emitted',
  ]);
  t.true(output.endsWith('emitted\n'));
  t.true(output.includes('\n\nwarning[CNN2012]'));
});

test('the summary names the checked files and words warnings-only runs', (t) => {
  const warning = makeDiagnostic('CNN2012', spanOf(file, lenet, 'relu'), 'unused', {
    severity: 'warning',
  });
  const last = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';
  t.is(
    last(renderTerminal([warning], sources, plain)),
    'warning: checked `examples/lenet5.cnn`: 1 warning emitted',
  );
  t.is(
    last(
      renderTerminal([warning, warning], sources, {
        color: false,
        files: ['a.cnn', 'b.cnn', 'c.cnn'],
      }),
    ),
    'warning: checked 3 files: 2 warnings emitted',
  );
  t.is(renderTerminal([], sources, plain), '');
});

test('output is identical whatever the input order', (t) => {
  const diagnostics = [
    makeDiagnostic('CNN2003', spanOf(file, lenet, 'conv'), 'b'),
    makeDiagnostic('CNN2001', spanOf(file, lenet, 'conv'), 'a'),
    makeDiagnostic('CNN2001', spanOf(file, lenet, 'relu'), 'c'),
  ];
  const forward = renderTerminal(diagnostics, sources, plain);
  t.is(renderTerminal([...diagnostics].reverse(), sources, plain), forward);
});

const escape = '\u001b[';

test('colour off emits no escape codes', (t) => {
  const diagnostic = makeDiagnostic('CNN3002', spanOf(file, lenet, 'linear(120)'), 'bad', {
    labels: [label(spanOf(file, lenet, 'relu'), 'here')],
    hints: ['fix it'],
  });
  t.false(renderTerminal([diagnostic], sources, { color: false }).includes(escape));
});

test('colour on emits escape codes, and stripping them gives the plain text', (t) => {
  const diagnostic = makeDiagnostic('CNN3002', spanOf(file, lenet, 'linear(120)'), 'bad', {
    labels: [label(spanOf(file, lenet, 'relu'), 'here')],
    hints: ['fix it'],
    notes: ['a note'],
  });
  const coloured = renderTerminal([diagnostic], sources, { color: true });
  t.true(coloured.includes(escape));
  // eslint-disable-next-line no-control-regex
  const stripped = coloured.replace(/\u001b\[[0-9;]*m/g, '');
  t.is(stripped, renderTerminal([diagnostic], sources, { color: false }));
});
