// Values in the generated forward are called as the source calls them where that is unique: an
// output by its name, the result of the only call of a block by the block's name (lower camel);
// a block called twice, or a name an input already has, keeps the numbered form.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';

async function forwardOf(source: string): Promise<string> {
  const compiled = compileSource('names.cnn', source);
  const built = await buildModel(compiled.program.models[0], {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: 'names.cnn',
    texts: compiled.texts,
  });
  if (!built.code) throw new Error(built.diagnostics.map((d) => d.message).join('; '));
  return built.code.slice(built.code.indexOf('async function forward'));
}

test('the only call of a block and an output name their values', async (t) => {
  const code = await forwardOf(`block Stem() {
  conv(4, 3, pad=1)
  relu
  maxpool(2)
}
block Pair(c) {
  conv(c, 3, pad=1)
  relu
}
model M {
  input image: [1, 8, 8]
  Stem()
  Pair(4)
  Pair(4)
  flatten
  linear(3)
  output scores
}
`);
  t.regex(code, /const stem = buffers\.put\(slots\[\d\], await layer\d+_0\(/);
  t.regex(code, /const scores = await layer\d+_0\(/);
  t.regex(code, /return scores;/);
  t.false(code.includes('const pair'), 'two calls of Pair: no unique name');
});

test('a source name that is not a safe, free identifier keeps the numbered form', async (t) => {
  const code = await forwardOf(`block Image() {
  conv(2, 3, pad=1)
}
block Layer1_0() {
  relu
}
model M {
  input image: [1, 4, 4]
  Image()
  Layer1_0()
  flatten
  output y
}
`);
  t.false(code.includes('const image ='), 'the input is already `image`');
  t.false(code.includes('const layer1_0 ='), 'a name of the module’s own form');
  t.regex(code, /const v\d+ = buffers\.put/);
});
