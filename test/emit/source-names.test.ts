// Values in the generated forward and training code are called as the source calls them where that
// is unique: an output by its name, a `let` by its name (through fusion: the name of the last node
// fused into a kernel), the result of the only call of a block by the block's name (lower camel);
// a block called twice, a name an input already has or one the module uses itself keeps the
// numbered form. Gradients are `d_<value>_<n>`, suffixed where a source name already is that.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';

async function build(source: string, training = false): Promise<string> {
  const compiled = compileSource('names.cnn', source);
  const built = await buildModel(compiled.program.models[0], {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: 'names.cnn',
    texts: compiled.texts,
    training,
  });
  if (!built.code) throw new Error(built.diagnostics.map((d) => d.message).join('; '));
  return built.code;
}

async function forwardOf(source: string): Promise<string> {
  const code = await build(source);
  return code.slice(code.indexOf('async function forward'));
}

// `let skip` names the relu that fuse-activation merges into the conv; `let inner` sits in a
// block called twice; `let body` names the last conv of the second call (the first keeps `v<id>`); `let joined` names the
// residual join.
const LETS = `block Twice() {
  let inner = conv(4, 3, pad=1) -> relu
  inner -> conv(4, 3, pad=1)
}
model M {
  input image: [1, 8, 8]
  let skip = conv(4, 3, pad=1) -> relu
  let body = skip -> Twice() -> Twice()
  let joined = add(skip, body)
  joined -> flatten
  linear(3)
  output scores
}
`;

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

test('a let names its value, also after fusion, unless a block repeats it', async (t) => {
  const code = await forwardOf(LETS);
  t.regex(code, /const skip = buffers\.put\(\s*slots\[\d\],\s*await layer\d+_0\(image,/);
  t.regex(
    code,
    /const joined = buffers\.put\(slots\[\d\], await layer\d+_0\(skip, body, batch\)\)/,
  );
  t.regex(code, /const body = buffers\.put\(/);
  t.false(code.includes('const inner'), 'Twice() is called twice: no unique name');
  t.false(code.includes('const twice'), 'nor a block name, although `body` names one call');
  const create = await build(LETS);
  t.regex(create, /\/\/ names\.cnn:\d+:\d+ conv \+ relu -> skip\n\s*const layer\d+_0 = /);
});

test('the training code uses the same names, d_<name> gradients and no casts', async (t) => {
  const code = await build(LETS, true);
  const trainForward = code.slice(code.indexOf('async function trainForward'));
  t.regex(trainForward, /const skip = await train\d+_0\(/);
  t.regex(trainForward, /const joined = await train\d+_0\(skip, body, batch\)/);
  t.regex(trainForward, /const scores = await train\d+_0\(/);
  const trainStep = code.slice(code.indexOf('async function trainStep'));
  t.regex(trainStep, /trainer\.loss\(f\.scores, labels, batch\)/);
  t.regex(trainStep, /const d_skip = runtime\.sum\(\[d_skip_0, d_skip_1\]\)/);
  t.false(/ as (Float32Array|unknown)\b/.test(code), 'no casts in the generated module');
});

test('a source name that is a training local or a gradient name is kept apart', async (t) => {
  const code = await build(
    `model M {
  input d_skip_0: [1, 4, 4]
  let labels = conv(2, 3, pad=1)
  let skip = labels -> relu
  let f = skip -> conv(2, 3, pad=1)
  add(skip, f)
  flatten
  output y
}
`,
    true,
  );
  t.false(
    /const (labels|f) = await (layer|train)\d/.test(code),
    'names the training code uses itself stay numbered',
  );
  t.regex(code, /const skip = await train\d+_0\(/);
  t.regex(code, /const d_skip_0_ = b\d+_0\.inputs\[0\];/);
  t.regex(code, /const d_skip = runtime\.sum\(\[d_skip_0_, d_skip_1\]\);/);
});
