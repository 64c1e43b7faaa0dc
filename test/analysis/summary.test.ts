// The summary's totals, rows, text and JSON on a small hand-built graph whose numbers are worked
// out by hand in the comments.
import test from 'ava';
import type { GraphNode, ModelGraph, NodeCost, Shape } from '../../compiler/ir/graph.js';
import type { OpName } from '../../compiler/layers/registry.js';
import { formatPath, summarizeModel } from '../../compiler/analysis/summary.js';
import { renderSummaryText } from '../../compiler/analysis/summary-text.js';
import { summaryToJson } from '../../compiler/analysis/summary-json.js';

const source = [
  'model Tiny {', // line 1
  '  input image: [1, 28, 28]', // line 2
  '  Block()', // line 3
  '  maxpool(2)', // line 4
  '  flatten', // line 5
  '  linear(10)', // line 6
  '}',
].join('\n');

function at(text: string): { file: string; start: number; end: number } {
  const start = source.indexOf(text);
  return { file: 'tiny.cnn', start, end: start + text.length };
}

/** Integer arguments as bound (the parameter counts are read from the layer's tensor list). */
function ints(values: Record<string, number>): GraphNode['args'] {
  const span = { file: 'tiny.cnn', start: 0, end: 0 };
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { kind: 'int' as const, value, span }]),
  );
}

function node(
  id: number,
  op: OpName,
  written: string,
  shape: Shape,
  cost?: Partial<NodeCost>,
  args: GraphNode['args'] = {},
): GraphNode {
  const full: NodeCost = { params: 0, buffers: 0, macs: 0, ...cost };
  return {
    id,
    op,
    inputs: id === 0 ? [] : [id - 1],
    args,
    span: at(written),
    path: [],
    shape,
    cost: full,
  };
}

function tinyModel(): ModelGraph {
  const blockStep = { kind: 'block' as const, name: 'Block', index: 0, span: at('Block()') };
  const inBlock = (graphNode: GraphNode): GraphNode => ({ ...graphNode, path: [blockStep] });
  const nodes = [
    { ...node(0, 'input', 'input image: [1, 28, 28]', [1, 28, 28]), name: 'image' },
    inBlock(
      node(
        1,
        'conv',
        'Block()',
        [6, 28, 28],
        { params: 156, macs: 117_600 },
        ints({ out: 6, kernel: 5, pad: 2 }),
      ),
    ),
    inBlock(node(2, 'batchnorm', 'Block()', [6, 28, 28], { params: 12, buffers: 12 })),
    // A made-up elementwise cost, to check that only conv and linear count as conv + linear.
    inBlock(node(3, 'relu', 'Block()', [6, 28, 28], { macs: 50 })),
    node(4, 'maxpool', 'maxpool(2)', [6, 14, 14]),
    node(5, 'flatten', 'flatten', [1176]),
    node(6, 'linear', 'linear(10)', [10], { params: 11_770, macs: 11_760 }, ints({ out: 10 })),
  ];
  return { name: 'Tiny', span: at('model Tiny'), nodes, inputs: [0], outputs: [] };
}

test('totals: parameters, buffers, MACs and FLOPs', (t) => {
  const { totals } = summarizeModel(tinyModel(), { batch: 1 });
  // 156 + 12 + 11,770 = 11,938 trainable; 12 buffers.
  t.is(totals.trainableParams, 11_938);
  t.is(totals.nonTrainableBuffers, 12);
  t.is(totals.paramsAndBuffers, 11_950);
  // 117,600 + 50 + 11,760 = 129,410 MACs, of which conv + linear 129,360.
  t.is(totals.macs, 129_410);
  t.is(totals.flops, 258_820);
  t.is(totals.convLinearMacs, 129_360);
});

test('totals: memory per sample and for a batch', (t) => {
  const { totals } = summarizeModel(tinyModel(), { batch: 4 });
  // Input 784·4 = 3,136 B. Activations 3·18,816 + 2·4,704 + 40 = 65,896 B.
  t.is(totals.inputBytes, 3136);
  t.is(totals.activationBytes, 65_896);
  // Training per sample: 3,136 + 2·65,896 = 134,928; state (4·11,938 + 12)·4 = 191,056.
  t.is(totals.trainingBytesPerSample, 134_928);
  t.is(totals.modelStateBytes, 191_056);
  t.is(totals.macsBatch, 4 * 129_410);
  t.is(totals.activationBytesBatch, 4 * 65_896);
  t.is(totals.trainingBytesBatch, 191_056 + 4 * 134_928);
});

test('rows: layer as written, line, block path, shape', (t) => {
  const { rows } = summarizeModel(tinyModel(), { batch: 1, sources: () => source });
  t.is(rows.length, 7);
  t.deepEqual(
    rows.map((row) => [row.layer, row.line, row.path]),
    [
      ['input image: [1, 28, 28]', 2, ''],
      ['Block()', 3, 'Block[0]'],
      ['Block()', 3, 'Block[0]'],
      ['Block()', 3, 'Block[0]'],
      ['maxpool(2)', 4, ''],
      ['flatten', 5, ''],
      ['linear(10)', 6, ''],
    ],
  );
  t.is(rows[0].name, 'image');
  t.is(rows[6].activationBytes, 40);
});

test('rows without sources fall back to the op and have no line', (t) => {
  const { rows } = summarizeModel(tinyModel(), { batch: 1 });
  t.is(rows[0].layer, 'input image');
  t.is(rows[4].layer, 'maxpool');
  t.is(rows[4].line, undefined);
});

test('block paths show indices of calls and loops', (t) => {
  const span = at('Block()');
  const path = formatPath([
    { kind: 'block', name: 'Basic', index: 2, span },
    { kind: 'residual', name: 'residual', index: 0, span },
  ]);
  t.is(path, 'Basic[2]/residual');
});

test('text: thousands separators and the totals', (t) => {
  const text = renderSummaryText(summarizeModel(tinyModel(), { batch: 4, sources: () => source }));
  t.regex(text, /^Model Tiny \(batch 4/);
  t.regex(text, /Trainable parameters +11,938\n/);
  t.regex(text, /Non-trainable buffers +12\n/);
  t.regex(text, /linear\(10\) +6 +\[10\] +11,770 +11,760 +40\n/);
  t.regex(text, /MACs for batch 4 +517,640/);
});

test('JSON: versioned schema, nulls for unknowns', (t) => {
  const json = summaryToJson(summarizeModel(tinyModel(), { batch: 1 }));
  t.is(json.schema, 'cnnc.summary/1');
  t.is(json.layers[1].name, null);
  t.is(json.layers[1].line, null);
  t.is(json.totals.trainableParams, 11_938);
  t.deepEqual(JSON.parse(JSON.stringify(json)), json);
});
