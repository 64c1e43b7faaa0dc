// `cnnc fmt` is idempotent on every example and golden case that parses, keeps every comment, and
// never changes the parsed AST.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSource } from '../../compiler/format/format.js';
import { parse } from '../../grammar/parse.js';
import { structureOf } from '../helpers/ast.js';

function cnnFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cnn'))
    .map((name) => join(dir, name));
}

const files = [
  ...cnnFiles('examples'),
  ...cnnFiles('test/golden/diagnostics'),
  ...cnnFiles('test/golden/format'),
];

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const parsed = parse(text, file);
  if (parsed.problems.length > 0) continue;
  test(`fmt ${file}`, (t) => {
    const once = formatSource(text, file);
    if (!once.ok) return t.fail('formatting failed');
    const twice = formatSource(once.text, file);
    if (!twice.ok) return t.fail('formatted text does not parse');
    t.is(twice.text, once.text, 'formatting is not idempotent');
    const reparsed = parse(once.text, file);
    t.deepEqual(structureOf(reparsed.ast), structureOf(parsed.ast), 'formatting changed the AST');
    t.deepEqual(
      reparsed.ast.comments.map((c) => c.text.trim()),
      parsed.ast.comments.map((c) => c.text.trim()),
      'formatting lost or reordered comments',
    );
  });
}

test('the canonical layout', (t) => {
  const messy = `// LeNet
const  W=6
model   Net{input x:[1,28,28]
conv( W ,5,pad = 2)->relu   // first conv
  maxpool(2):[6,14,14]


  residual{conv(6,3,pad=1)}shortcut if W>3 {identity}
  Basic(64);Basic(64)
output y}
`;
  const result = formatSource(messy, 'm.cnn');
  if (!result.ok) return t.fail();
  t.is(
    result.text,
    `// LeNet
const W = 6

model Net {
  input x: [1, 28, 28]
  conv(W, 5, pad=2) -> relu // first conv
  maxpool(2) : [6, 14, 14]

  residual {
    conv(6, 3, pad=1)
  } shortcut if W > 3 {
    identity
  }
  Basic(64); Basic(64)
  output y
}
`,
  );
});

test('files with syntax errors are not formatted', (t) => {
  const result = formatSource('model A {\n  conv(1,\n}\n', 'a.cnn');
  t.false(result.ok);
});

test('the examples are in the canonical layout (`cnnc fmt --check examples/*.cnn` passes)', (t) => {
  for (const file of cnnFiles('examples')) {
    const text = readFileSync(file, 'utf8');
    const result = formatSource(text, file);
    t.true(result.ok && result.text === text, `${file} is not formatted; run \`cnnc fmt ${file}\``);
  }
});

test('long pipes are broken before each `->`; short ones stay on one line', (t) => {
  const long = `model M {\n  input x: [3, 8, 8]\n  let a = conv(8, 3, pad=1) -> batchnorm -> relu -> conv(8, 3, pad=1) -> batchnorm -> relu -> maxpool(2)\n  a -> relu -> flatten\n  output y\n}\n`;
  const result = formatSource(long, 'm.cnn');
  if (!result.ok) return t.fail();
  t.is(
    result.text,
    `model M {\n  input x: [3, 8, 8]\n  let a = conv(8, 3, pad=1)\n      -> batchnorm\n      -> relu\n      -> conv(8, 3, pad=1)\n      -> batchnorm\n      -> relu\n      -> maxpool(2)\n  a -> relu -> flatten\n  output y\n}\n`,
  );
});

// Found by the property test (seed -25749846): a control character in a comment once collided
// with the formatter's internal alignment mark.
test('regression: a comment holding control characters formats idempotently', (t) => {
  const text = 'import "x.cnn"//model Net {\u0000\u0001\n';
  const once = formatSource(text, 'f.cnn');
  if (!once.ok) return t.fail();
  const twice = formatSource(once.text, 'f.cnn');
  t.true(twice.ok && twice.text === once.text);
  t.is(once.text, 'import "x.cnn" //model Net {\u0000\u0001\n');
});
