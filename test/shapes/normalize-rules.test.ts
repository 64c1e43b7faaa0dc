// The `normalize` rule: the identity on any `[channels, …]` shape, no trainable parameters and
// `2·C` buffers; `mean`/`std` as one number or one per channel (CNN3021 otherwise, at the list),
// both or neither (CNN2005), `std` positive (CNN2008). Its canonical layout in `cnnc fmt`.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { formatSource } from '../../compiler/format/format.js';

function check(input: string, layer: string) {
  const source = `model M {\n  input x: ${input}\n  ${layer}\n  output y\n}\n`;
  const { program, diagnostics } = compileSource('n.cnn', source);
  const node = program.models[0]?.nodes.find((n) => n.op === 'normalize');
  return { node, codes: diagnostics.map((d) => d.code), diagnostics, source };
}

for (const [input, layer, shape] of [
  ['[3, 8, 8]', 'normalize', [3, 8, 8]],
  ['[3, 8, 8]', 'normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])', [3, 8, 8]],
  ['[3, 8, 8]', 'normalize(mean=0.5, std=[0.25])', [3, 8, 8]],
  ['[5]', 'normalize(mean=[1, 2, 3, 4, 5], std=2)', [5]],
  ['[2, 16]', 'normalize(mean=0, std=1)', [2, 16]],
  ['[4, 2, 3, 3]', 'normalize', [4, 2, 3, 3]],
] as const)
  test(`${layer} on ${input}: ${JSON.stringify(shape)}, 0 parameters, ${2 * shape[0]} buffers`, (t) => {
    const { node, codes } = check(input, layer);
    t.deepEqual(codes, []);
    t.deepEqual(node?.shape, shape);
    t.deepEqual(node?.cost, { params: 0, buffers: 2 * shape[0], macs: 0 });
  });

test('a list of the wrong length: CNN3021 at the list, naming both counts', (t) => {
  const { codes, diagnostics, source } = check('[3, 8, 8]', 'normalize(mean=0, std=[1, 2])');
  t.deepEqual(codes, ['CNN3021']);
  const [d] = diagnostics;
  t.is(source.slice(d.span.start, d.span.end), '[1, 2]');
  t.is(d.message, '`std` of `normalize` has 2 values, but its input has 3 channels');
});

for (const [layer, code] of [
  ['normalize(mean=0.5)', 'CNN2005'],
  ['normalize(std=0.5)', 'CNN2005'],
  ['normalize(mean=0.5, std=0)', 'CNN2008'],
  ['normalize(mean=0.5, std=-0.1)', 'CNN2008'],
  ['normalize(mean=0.5, std=[1, 0, 1])', 'CNN2008'],
  // float32 buffers: a std that rounds to 0, a mean that rounds to infinity.
  ['normalize(mean=0.5, std=1e-46)', 'CNN2008'],
  ['normalize(mean=1e39, std=1)', 'CNN2008'],
  ['normalize(mean=[], std=1)', 'CNN2007'],
  ['normalize(mean=(1, 2, 3), std=1)', 'CNN2007'],
  // A bare name is looked up as a constant first.
  ['normalize(mean=same, std=1)', 'CNN2003'],
] as const)
  test(`${layer}: ${code}`, (t) => {
    t.deepEqual(check('[3, 8, 8]', layer).codes, [code]);
  });

test('cnnc fmt writes normalize in the canonical layout', (t) => {
  const result = formatSource(
    'model M {\n  input x: [3, 8, 8]\n  normalize( mean = [0.1,0.2, 0.3],std=0.5 )\n  normalize\n  output y\n}\n',
    'f.cnn',
  );
  t.true(result.ok);
  if (result.ok)
    t.is(
      result.text,
      'model M {\n  input x: [3, 8, 8]\n  normalize(mean=[0.1, 0.2, 0.3], std=0.5)\n  normalize\n  output y\n}\n',
    );
});
