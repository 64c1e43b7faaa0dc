import test from 'ava';
import {
  buildLineIndex,
  clampOffset,
  displayPositionAt,
  lineContentEnd,
  lineCount,
  lineIndexLookup,
  lineOf,
  lineText,
  offsetAt,
  positionAt,
} from '../../compiler/diagnostics/line-index.js';

const cases: [name: string, text: string, offset: number, line: number, character: number][] = [
  ['empty file', '', 0, 0, 0],
  ['empty file, offset past the end', '', 7, 0, 0],
  ['negative offset', 'abc', -3, 0, 0],
  ['NaN offset', 'abc', Number.NaN, 0, 0],
  ['fractional offset', 'abc', 1.7, 0, 1],
  ['first line', 'ab\ncd', 1, 0, 1],
  ['the newline itself ends its line', 'ab\ncd', 2, 0, 2],
  ['start of second line', 'ab\ncd', 3, 1, 0],
  ['end of text', 'ab\ncd', 5, 1, 2],
  ['past the end', 'ab\ncd', 99, 1, 2],
  ['after a final newline', 'ab\n', 3, 1, 0],
  ['CRLF: the \\r', 'ab\r\ncd', 2, 0, 2],
  ['CRLF: inside the pair', 'ab\r\ncd', 3, 0, 2],
  ['CRLF: next line', 'ab\r\ncd', 4, 1, 0],
  ['lone CR ends a line', 'ab\rcd', 3, 1, 0],
  ['CR CR LF is two line breaks', 'a\r\r\nb', 4, 2, 0],
  ['empty lines', '\n\n\n', 2, 2, 0],
  ['surrogate pairs count two units', '😀x\ny', 2, 0, 2],
  ['tab counts one unit', '\tx', 1, 0, 1],
];

for (const [name, text, offset, line, character] of cases) {
  test(`positionAt: ${name}`, (t) => {
    const index = buildLineIndex(text);
    t.deepEqual(positionAt(index, offset), { line, character });
    t.deepEqual(displayPositionAt(index, offset), { line: line + 1, column: character + 1 });
  });
}

test('line counts follow LSP: a final newline opens an empty last line', (t) => {
  t.is(lineCount(buildLineIndex('')), 1);
  t.is(lineCount(buildLineIndex('a')), 1);
  t.is(lineCount(buildLineIndex('a\n')), 2);
  t.is(lineCount(buildLineIndex('a\r\nb\rc\n')), 4);
});

test('lineText drops every kind of terminator', (t) => {
  const index = buildLineIndex('one\r\ntwo\rthree\n\nfive');
  t.deepEqual(
    [0, 1, 2, 3, 4].map((line) => lineText(index, line)),
    ['one', 'two', 'three', '', 'five'],
  );
  t.is(lineText(index, 99), 'five');
  t.is(lineText(index, -1), 'one');
  t.is(lineContentEnd(index, 0), 3);
});

test('offsetAt inverts positionAt on every offset of a mixed text', (t) => {
  const text = 'a\r\nbc\n\n😀\rz';
  const index = buildLineIndex(text);
  for (let offset = 0; offset <= text.length; offset++) {
    const position = positionAt(index, offset);
    const back = offsetAt(index, position);
    const insideCrlf = text[offset - 1] === '\r' && text[offset] === '\n';
    t.is(back, insideCrlf ? offset - 1 : offset, `offset ${offset}`);
  }
});

test('offsetAt clamps lines and characters', (t) => {
  const index = buildLineIndex('ab\ncd');
  t.is(offsetAt(index, { line: 0, character: 99 }), 2);
  t.is(offsetAt(index, { line: 9, character: 0 }), 3);
  t.is(offsetAt(index, { line: -1, character: -1 }), 0);
});

test('clampOffset and lineOf accept anything', (t) => {
  const index = buildLineIndex('ab\ncd');
  t.is(clampOffset(index, Infinity), 5);
  t.is(clampOffset(index, -Infinity), 0);
  t.is(lineOf(index, Infinity), 1);
});

test('lineIndexLookup indexes each file once and passes unknown files through', (t) => {
  let reads = 0;
  const lookup = lineIndexLookup((file) => {
    reads++;
    return file === 'a.cnn' ? 'x\ny' : undefined;
  });
  t.is(lineCount(lookup('a.cnn')!), 2);
  lookup('a.cnn');
  t.is(lookup('missing.cnn'), undefined);
  lookup('missing.cnn');
  t.is(reads, 2);
});
