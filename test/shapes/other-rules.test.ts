// Shape rules of linear, flatten, batchnorm, the shape-preserving layers, pad, add and concat.
import test from 'ava';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { lookupLayer } from '../../compiler/layers/registry.js';
import { inferLayer, layerNode, producer, span } from '../helpers/infer-layer.js';

test('linear(120) on [400]: LeNet F5, 48,120 params', (t) => {
  const { result } = inferLayer('linear', { out: 120 }, [400]);
  t.deepEqual(result, { shape: [120], cost: { params: 48_120, buffers: 0, macs: 48_000 } });
  t.is(inferLayer('fc', { out: 10, bias: false }, [84]).result?.cost.params, 840);
});

test('linear on [16, 5, 5]: CNN3014 proposes flatten with 400 features', (t) => {
  const { diagnostics } = inferLayer('linear', { out: 120 }, [16, 5, 5]);
  t.is(diagnostics[0].code, 'CNN3014');
  t.is(diagnostics[0].message, '`linear` expects a 1-D input, found [16, 5, 5]');
  t.is(diagnostics[0].hints[0], 'insert `flatten` before this line (400 features)');
  t.is(diagnostics[0].labels[0].message, 'output is [16, 5, 5]');
});

function linearWithSource(source: string, call: string): Diagnostic {
  const start = source.indexOf(call);
  const node = { ...layerNode('linear', { out: 120 }), span: span(start, start + call.length) };
  const diagnostics: Diagnostic[] = [];
  const inputs = [producer([16, 5, 5])];
  lookupLayer('linear')?.infer?.({
    node,
    inputs,
    report: (d) => diagnostics.push(d),
    sourceText: source,
  });
  return diagnostics[0];
}

test('the flatten fix goes on its own line, indented like the call', (t) => {
  const source = 'model M {\n  maxpool(2)\n  linear(120)\n}\n';
  const [fix] = linearWithSource(source, 'linear(120)').fixes;
  const lineStart = source.indexOf('  linear');
  t.deepEqual(fix.span, span(lineStart, lineStart));
  t.is(fix.replacement, '  flatten\n');
});

test('the flatten fix becomes a pipe stage after ->', (t) => {
  const source = 'let y = x -> linear(120)\n';
  const [fix] = linearWithSource(source, 'linear(120)').fixes;
  t.is(fix.replacement, 'flatten -> ');
  t.is(fix.span.start, source.indexOf('linear'));
});

test('flatten and the shape-preserving layers', (t) => {
  t.deepEqual(inferLayer('flatten', {}, [16, 5, 5]).result?.shape, [400]);
  for (const op of ['relu', 'leaky_relu', 'softmax', 'identity', 'dropout', 'gelu', 'lrn']) {
    t.deepEqual(inferLayer(op, {}, [8, 4, 4]).result, {
      shape: [8, 4, 4],
      cost: { params: 0, buffers: 0, macs: 0 },
    });
  }
});

test('batchnorm: 2·C trainable, 2·C running statistics', (t) => {
  const { result } = inferLayer('batchnorm', {}, [64, 56, 56]);
  t.deepEqual(result?.cost, { params: 128, buffers: 128, macs: 0 });
  t.deepEqual(inferLayer('batchnorm', { affine: false }, [64, 56, 56]).result?.cost, {
    params: 0,
    buffers: 128,
    macs: 0,
  });
  t.is(inferLayer('batchnorm', {}, [84]).result?.cost.params, 168);
});

test('lrn on a 1-D value: CNN3011', (t) => {
  t.deepEqual(inferLayer('lrn', {}, [10]).codes, ['CNN3011']);
});

test('pad layer: int, explicit sides, reflect limit, wrong count', (t) => {
  t.deepEqual(inferLayer('pad', { sides: 1 }, [3, 4, 4]).result?.shape, [3, 6, 6]);
  // Height 4 + 0 + 1 = 5, width 4 + 2 + 3 = 9.
  t.deepEqual(
    inferLayer('pad', { sides: { sides: [0, 1, 2, 3] } }, [3, 4, 4]).result?.shape,
    [3, 5, 9],
  );
  t.deepEqual(inferLayer('pad', { sides: 2, mode: 'reflect' }, [3, 2, 2]).codes, ['CNN3019']);
  t.deepEqual(inferLayer('pad', { sides: { sides: [1, 1, 1] } }, [3, 4, 4]).codes, ['CNN3012']);
});

test('add of equal shapes', (t) => {
  const { result } = inferLayer('add', {}, [64, 56, 56], [64, 56, 56]);
  t.deepEqual(result?.shape, [64, 56, 56]);
});

test('add of different shapes: CNN3015 labels both operands and proposes a projection', (t) => {
  const { diagnostics } = inferLayer('add', {}, [64, 56, 56], [128, 28, 28]);
  const [error] = diagnostics;
  t.is(error.code, 'CNN3015');
  t.is(error.message, 'cannot add [64, 56, 56] and [128, 28, 28]: the shapes differ');
  t.deepEqual(
    error.labels.map((label) => label.message),
    ['output is [64, 56, 56]', 'output is [128, 28, 28]'],
  );
  t.deepEqual(error.notes, ['channels: 64 vs 128', 'height: 56 vs 28', 'width: 56 vs 28']);
  t.regex(error.hints[0], /`conv\(128, 1, stride=2\)` on the \[64, 56, 56\] operand/);
});

test('concat along channels', (t) => {
  const { result } = inferLayer('concat', {}, [64, 28, 28], [32, 28, 28], [16, 28, 28]);
  t.deepEqual(result?.shape, [112, 28, 28]);
});

test('concat with different spatial sizes: CNN3016 proposes padding the smaller one', (t) => {
  const { diagnostics } = inferLayer('concat', {}, [64, 28, 28], [32, 27, 27]);
  t.is(diagnostics[0].code, 'CNN3016');
  t.deepEqual(diagnostics[0].notes, ['height: 28 vs 27', 'width: 28 vs 27']);
  t.is(
    diagnostics[0].hints[0],
    '`pad([0, 1, 0, 1])` on the [32, 27, 27] operand makes the sizes equal',
  );
});
