// A model cannot inject code: names that are reserved words are renamed (CNN4001), and file names
// with line breaks, `*/`, quotes, backticks or `${` only ever appear escaped inside comments.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { commentText, safeIdentifier, stringLiteral } from '../../compiler/emit/names.js';

async function build(file: string, source: string) {
  const compiled = compileSource(file, source);
  const model = compiled.program.models[0];
  return buildModel(model, {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: file,
    texts: compiled.texts,
  });
}

const hostile = [
  'evil\nprocess.exit(1)//',
  'a*/ process.exit(1) /*',
  "q'`${process.exit(1)}`\u2028x",
];

for (const file of hostile) {
  test(`file name ${JSON.stringify(file)} stays inside comments`, async (t) => {
    const built = await build(
      `${file}.cnn`,
      'model M {\n  input x: [4]\n  linear(2)\n  output y\n}\n',
    );
    t.is(built.diagnostics.length, 0);
    t.false(built.code.includes('process.exit(1)\n'));
    for (const line of built.code.split('\n'))
      if (line.includes('process.exit')) t.regex(line.trim(), /^\/\/ /, `not a comment: ${line}`);
    t.false(/[\u2028\u2029]/.test(built.code));
  });
}

test('reserved input and output names are renamed with a warning', async (t) => {
  const source = 'model constructor {\n  input class: [4]\n  linear(2)\n  output batch\n}\n';
  const built = await build('names.cnn', source);
  t.deepEqual(
    built.diagnostics.map((d) => d.code),
    ['CNN4001', 'CNN4001'],
  );
  t.true(built.code.includes('forward(class_: Float32Array, batch: number)'));
  t.true(built.code.includes('export interface constructor_ extends ModelBase'));
});

test('name and text helpers are inert', (t) => {
  t.is(safeIdentifier('a-b', new Set()), 'a_b');
  t.is(safeIdentifier('1x', new Set()), '_1x');
  t.is(commentText('a\nb*/'), 'a\\u{a}b*/');
  t.is(stringLiteral('\u2028`${x}`'), '"\\u2028`${x}`"');
});

test("the module's own variable forms are never a user's identifier", (t) => {
  // A training module declares `d2_0`, `train2_0`, `grad2_0`, `b2_0`, `r2_0` and `d_v2_0`.
  for (const name of ['v3', 'layer1_0', 'd2_0', 'train2_0', 'grad2_0', 'b2_0', 'r2_0', 'd_v2_0'])
    t.is(safeIdentifier(name, new Set()), `${name}_`, name);
  for (const name of ['image', 'd', 'train', 'dx', 'b_2'])
    t.is(safeIdentifier(name, new Set()), name);
});
