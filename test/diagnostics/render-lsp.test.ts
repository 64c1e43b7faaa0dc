import test from 'ava';
import {
  ERROR_DOCS_BASE_URL,
  LspDiagnosticTag,
  LspSeverity,
  groupByUri,
  toLspDiagnostics,
} from '../../compiler/diagnostics/render-lsp.js';
import { label, lenet, makeDiagnostic, sourcesOf, spanOf } from './fixtures.js';

const file = 'examples/lenet5.cnn';
const other = 'blocks.cnn';
const otherText = 'block Basic(c) {\n  relu\n}\n';
const sources = sourcesOf({ [file]: lenet, [other]: otherText });
const toUri = (path: string): string => `file:///project/${path}`;

test('a diagnostic becomes an LSP Diagnostic with 0-based positions', (t) => {
  const span = spanOf(file, lenet, 'linear(120)');
  const diagnostic = makeDiagnostic('CNN2001', span, 'unknown layer', {
    labels: [label(spanOf(other, otherText, 'Basic'), 'defined here')],
    notes: ['a note'],
    hints: ['did you mean `lrn`?'],
    fixes: [{ message: 'replace with `lrn`', span, replacement: 'lrn' }],
  });
  const [converted] = toLspDiagnostics([diagnostic], sources, { toUri });
  const range = { start: { line: 10, character: 2 }, end: { line: 10, character: 13 } };
  t.deepEqual(converted, {
    range,
    severity: LspSeverity.Error,
    code: 'CNN2001',
    codeDescription: { href: `${ERROR_DOCS_BASE_URL}CNN2001.md` },
    source: 'cnnc',
    message: 'unknown layer\nnote: a note\nhelp: did you mean `lrn`?',
    relatedInformation: [
      {
        location: {
          uri: 'file:///project/blocks.cnn',
          range: { start: { line: 0, character: 6 }, end: { line: 0, character: 11 } },
        },
        message: 'defined here',
      },
    ],
    data: {
      fixes: [
        {
          title: 'replace with `lrn`',
          edit: { changes: { 'file:///project/examples/lenet5.cnn': [{ range, newText: 'lrn' }] } },
        },
      ],
    },
  });
});

test('severities map to 1, 2 and 3, and unused-* codes are tagged Unnecessary', (t) => {
  const at = spanOf(file, lenet, 'relu');
  const converted = toLspDiagnostics(
    [
      makeDiagnostic('CNN2001', at, 'e'),
      makeDiagnostic('CNN2012', at, 'w', { severity: 'warning' }),
      makeDiagnostic('CNN2026', spanOf(file, lenet, 'image'), 'i', { severity: 'info' }),
    ],
    sources,
    { toUri },
  );
  t.deepEqual(
    converted.map((d) => [d.code, d.severity, d.tags]),
    [
      ['CNN2026', 3, [LspDiagnosticTag.Unnecessary]],
      ['CNN2001', 1, undefined],
      ['CNN2012', 2, [LspDiagnosticTag.Unnecessary]],
    ],
  );
  t.false('relatedInformation' in converted[0]);
});

test('the documentation base URL can be overridden', (t) => {
  const [converted] = toLspDiagnostics(
    [makeDiagnostic('CNN1001', spanOf(file, lenet, '{'), 'x')],
    sources,
    {
      toUri,
      docsBaseUrl: 'file:///opt/cnnc/docs/errors/',
    },
  );
  t.is(converted.codeDescription.href, 'file:///opt/cnnc/docs/errors/CNN1001.md');
});

test('CRLF sources and unreadable files give valid ranges', (t) => {
  const crlf = 'ab\r\ncd\r\n';
  const converted = toLspDiagnostics(
    [
      makeDiagnostic('CNN1011', { file: 'c.cnn', start: 3, end: 8 }, 'x'),
      makeDiagnostic('CNN1021', { file: 'gone.cnn', start: 10, end: 12 }, 'y'),
    ],
    sourcesOf({ 'c.cnn': crlf }),
    { toUri },
  );
  t.deepEqual(converted[0].range, {
    start: { line: 0, character: 2 },
    end: { line: 2, character: 0 },
  });
  t.deepEqual(converted[1].range, {
    start: { line: 0, character: 0 },
    end: { line: 0, character: 0 },
  });
});

test('groupByUri files each diagnostic under its document', (t) => {
  const grouped = groupByUri(
    [
      makeDiagnostic('CNN2001', spanOf(file, lenet, 'relu'), 'a'),
      makeDiagnostic('CNN2001', spanOf(other, otherText, 'relu'), 'b'),
      makeDiagnostic('CNN2003', spanOf(file, lenet, 'conv'), 'c'),
    ],
    sources,
    { toUri },
  );
  t.deepEqual(
    [...grouped].map(([uri, list]) => [uri, list.map((d) => d.message)]),
    [
      ['file:///project/blocks.cnn', ['b']],
      ['file:///project/examples/lenet5.cnn', ['c', 'a']],
    ],
  );
});
