import test from 'ava';
import {
  JSON_SCHEMA_VERSION,
  renderJson,
  toJsonReport,
} from '../../compiler/diagnostics/render-json.js';
import { label, lenet, makeDiagnostic, sourcesOf, spanOf } from './fixtures.js';

const file = 'examples/lenet5.cnn';
const sources = sourcesOf({ [file]: lenet });

test('the report has the documented shape, keys in the documented order', (t) => {
  const span = spanOf(file, lenet, 'linear(120)');
  const diagnostic = makeDiagnostic('CNN2001', span, 'unknown layer `linear`', {
    labels: [label(spanOf(file, lenet, 'maxpool(2)', 1), 'output is [16, 5, 5]')],
    hints: ['insert `flatten`'],
    notes: ['a note'],
    fixes: [
      {
        message: 'insert `flatten`',
        span: { ...span, end: span.start },
        replacement: 'flatten\n  ',
      },
    ],
  });
  const report = toJsonReport([diagnostic], sources);
  t.is(report.version, JSON_SCHEMA_VERSION);
  t.is(JSON_SCHEMA_VERSION, 1);
  t.deepEqual(Object.keys(report), ['version', 'diagnostics', 'summary']);
  t.deepEqual(report.summary, { errors: 1, warnings: 0, infos: 0 });
  const [json] = report.diagnostics;
  t.deepEqual(Object.keys(json), [
    'code',
    'slug',
    'severity',
    'message',
    'file',
    'range',
    'labels',
    'hints',
    'notes',
    'fixes',
  ]);
  t.deepEqual(json, {
    code: 'CNN2001',
    slug: 'unknown-layer',
    severity: 'error',
    message: 'unknown layer `linear`',
    file,
    range: {
      start: { line: 11, column: 3, offset: span.start },
      end: { line: 11, column: 14, offset: span.end },
    },
    labels: [
      {
        file,
        range: {
          start: { line: 9, column: 3, offset: lenet.lastIndexOf('maxpool(2)') },
          end: { line: 9, column: 13, offset: lenet.lastIndexOf('maxpool(2)') + 10 },
        },
        message: 'output is [16, 5, 5]',
      },
    ],
    hints: ['insert `flatten`'],
    notes: ['a note'],
    fixes: [
      {
        message: 'insert `flatten`',
        file,
        range: {
          start: { line: 11, column: 3, offset: span.start },
          end: { line: 11, column: 3, offset: span.start },
        },
        replacement: 'flatten\n  ',
      },
    ],
  });
});

test('renderJson is the report as indented text with a final newline, and round-trips', (t) => {
  const diagnostic = makeDiagnostic('CNN2012', spanOf(file, lenet, 'relu'), 'unused', {
    severity: 'warning',
  });
  const text = renderJson([diagnostic], sources);
  t.true(text.endsWith('}\n'));
  t.true(text.startsWith('{\n  "version": 1,\n'));
  t.deepEqual(JSON.parse(text), toJsonReport([diagnostic], sources));
});

test('a clean run gives an empty list and zero counts', (t) => {
  t.deepEqual(toJsonReport([], sources), {
    version: 1,
    diagnostics: [],
    summary: { errors: 0, warnings: 0, infos: 0 },
  });
});

test('diagnostics are sorted by file, position and code', (t) => {
  const report = toJsonReport(
    [
      makeDiagnostic('CNN2003', spanOf(file, lenet, 'relu'), 'b'),
      makeDiagnostic('CNN2001', spanOf(file, lenet, 'relu'), 'a'),
      makeDiagnostic('CNN2001', { file: 'a.cnn', start: 0, end: 0 }, 'first file'),
    ],
    sources,
  );
  t.deepEqual(
    report.diagnostics.map((d) => d.message),
    ['first file', 'a', 'b'],
  );
});

test('positions are clamped into the file; unknown files have null lines and columns', (t) => {
  const crlf = 'ab\r\ncd';
  const report = toJsonReport(
    [
      makeDiagnostic('CNN1011', { file: 'c.cnn', start: 3, end: 99 }, 'clamped'),
      makeDiagnostic('CNN1021', { file: 'gone.cnn', start: 5, end: 6 }, 'unreadable'),
    ],
    sourcesOf({ 'c.cnn': crlf }),
  );
  t.deepEqual(report.diagnostics[0].range, {
    start: { line: 1, column: 3, offset: 2 },
    end: { line: 2, column: 3, offset: 6 },
  });
  t.deepEqual(report.diagnostics[1].range, {
    start: { line: null, column: null, offset: 5 },
    end: { line: null, column: null, offset: 6 },
  });
});

test('severities are counted separately', (t) => {
  const at = spanOf(file, lenet, 'relu');
  const report = toJsonReport(
    [
      makeDiagnostic('CNN2001', at, 'e'),
      makeDiagnostic('CNN2012', at, 'w', { severity: 'warning' }),
      makeDiagnostic('CNN2026', at, 'w', { severity: 'warning' }),
      makeDiagnostic('CNN2026', at, 'i', { severity: 'info' }),
    ],
    sources,
  );
  t.deepEqual(report.summary, { errors: 1, warnings: 2, infos: 1 });
});

test('a code missing from the catalog has a null slug', (t) => {
  const report = toJsonReport(
    [makeDiagnostic('CNN9999', spanOf(file, lenet, 'relu'), 'x')],
    sources,
  );
  t.is(report.diagnostics[0].slug, null);
});
