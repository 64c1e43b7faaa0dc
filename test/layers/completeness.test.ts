// Every layer of the registry has every per-layer piece: a shape rule, a parameter list, a case in
// the layer table (with its float64 reference), a plan on every target and a gradient rule for
// each gpu.js kernel (or a reason the spec declares), a docs row and an editor-grammar entry. The
// later tests delete one piece at a time and check that the message names the layer and the piece.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { gradientRule } from '../../compiler/emit/gradient-rules.js';
import { gpujsTarget } from '../../compiler/emit/gpujs-target.js';
import type { KernelCall, Target } from '../../compiler/emit/target.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import { backwardKernel } from '../../compiler/emit/wasm/kernels.js';
import { layers, lookupLayer } from '../../compiler/layers/registry.js';
import type { LayerSpec } from '../../compiler/layers/types.js';
import { grammarFiles, wordsIn } from '../../scripts/grammar/editor-layers.js';
import { layerCases } from '../emit/layer-cases.js';
import { checkRegistry, missingPieces, type World } from './completeness.js';

const read = (file: string) => readFileSync(file, 'utf8');
const grammars = grammarFiles(read);

const world: World = {
  cases: layerCases,
  docs: read('docs/language.md'),
  exportDocs: read('docs/export.md'),
  grammars: new Map(grammars.map((g) => [g.file, wordsIn(g.file, g.committed)])),
  targets: [gpujsTarget, wasmTarget],
  gradientRule,
  wasmBackward: (call) => backwardKernel(call) !== undefined,
  canonical: (name) => lookupLayer(name)?.name,
};

const spec = (name: string): LayerSpec => lookupLayer(name) as LayerSpec;

test('every layer has every piece', (t) => {
  t.deepEqual(checkRegistry(layers, world), []);
});

test('the committed editor grammars are the ones generated from the registry', (t) => {
  for (const { file, committed, generated } of grammars)
    t.is(committed, generated, `${file} is stale: run \`npm run grammar:layers\``);
});

test('a layer without a shape rule is named', (t) => {
  t.deepEqual(missingPieces({ ...spec('lrn'), infer: undefined }, world), [
    'layer `lrn`: no shape rule (`infer` in its LayerSpec)',
  ]);
});

test('a layer without a parameter list is named', (t) => {
  const broken = { ...spec('linear'), params: undefined } as unknown as LayerSpec;
  t.deepEqual(missingPieces(broken, world), [
    'layer `linear`: no parameter list (`params` in its LayerSpec)',
  ]);
});

test('a layer without a case in the layer table is named', (t) => {
  const cases = layerCases.filter((c) => !c.layer.startsWith('lrn'));
  t.deepEqual(missingPieces(spec('lrn'), { ...world, cases }), [
    'layer `lrn`: no case in the layer table with a float64 reference (test/emit/layer-cases.ts)',
  ]);
});

test('a layer without a docs row is named', (t) => {
  const docs = world.docs.replace(/^\| `lrn` .*$/m, '');
  t.deepEqual(missingPieces(spec('lrn'), { ...world, docs }), [
    'layer `lrn`: no row in the layer tables of docs/language.md (section 10)',
  ]);
});

test('a layer without an ONNX mapping row is named', (t) => {
  const exportDocs = world.exportDocs.replace(/^\| `lrn` .*$/m, '');
  t.deepEqual(missingPieces(spec('lrn'), { ...world, exportDocs }), [
    'layer `lrn`: no row in the "Layer mapping" table of docs/export.md',
  ]);
});

test('a layer missing from an editor grammar is named', (t) => {
  const [vim] = grammars;
  const words = wordsIn(vim.file, vim.committed).filter((word) => word !== 'lrn');
  t.deepEqual(missingPieces(spec('lrn'), { ...world, grammars: new Map([[vim.file, words]]) }), [
    `layer \`lrn\`: no entry in the editor grammar ${vim.file} (run \`npm run grammar:layers\`)`,
  ]);
});

test('a layer without a gradient rule is named', (t) => {
  const withoutLrn = (factory: string) => (factory === 'lrn' ? undefined : gradientRule(factory));
  t.deepEqual(missingPieces(spec('lrn'), { ...world, gradientRule: withoutLrn }), [
    'layer `lrn`: no gradient rule for its gpu.js kernel `lrn`',
  ]);
});

test('a layer without a plan on a target is named, unless the spec declares why', (t) => {
  const forgetful: Target = {
    ...gpujsTarget,
    planLayer: (ctx) =>
      ctx.node.op === 'lrn'
        ? { kind: 'unsupported', reason: '`lrn` has no gpu.js kernel' }
        : gpujsTarget.planLayer(ctx),
  };
  const problems = missingPieces(spec('lrn'), { ...world, targets: [forgetful] });
  t.is(problems.length, 1);
  t.regex(problems[0], /^layer `lrn`: no plan on the gpu\.js target \(.*has no gpu\.js kernel/);
  const declared = { ...spec('lrn'), unsupportedOn: { 'gpu.js': 'not yet' } };
  t.deepEqual(missingPieces(declared, { ...world, targets: [forgetful] }), []);
});

test('a declared reason that is no longer true is named', (t) => {
  // The registry's `relu` plans on wasm, so a declaration saying it cannot is stale.
  const stale = { ...spec('relu'), unsupportedOn: { wasm: 'no kernel' } };
  t.deepEqual(missingPieces(stale, world), [
    'layer `relu`: a plan on the wasm target although its spec declares it unsupported',
  ]);
});

test('a layer without its wasm kernels is named, through its spec', (t) => {
  const upsample = spec('upsample');
  const backends = upsample.backends;
  if (!backends) throw new Error('upsample carries its backends');
  const without = { ...upsample, backends: { ...backends, wasm: undefined } };
  t.deepEqual(missingPieces(without, world), [
    'layer `upsample`: no wasm kernel for its kernel `upsample` (`backends.wasm.forward` in its LayerSpec, or a reason in `unsupportedOn.wasm`)',
    'layer `upsample`: no wasm backward for its kernel `upsample` (`backends.wasm.backward` in its LayerSpec)',
  ]);
  const forwardOnly = {
    ...upsample,
    backends: { ...backends, wasm: { forward: backends.wasm?.forward ?? {}, backward: {} } },
  };
  t.deepEqual(missingPieces(forwardOnly, world), [
    'layer `upsample`: no wasm backward for its kernel `upsample` (`backends.wasm.backward` in its LayerSpec)',
  ]);
});

test('a layer without a wasm backward is named, unless the spec declares why', (t) => {
  const noLinear = { ...world, wasmBackward: (call: KernelCall) => call.factory !== 'linear' };
  t.deepEqual(missingPieces(spec('linear'), noLinear), [
    'layer `linear`: no wasm backward for its kernel `linear` (compiler/emit/wasm/kernels.ts, or a reason in `noWasmBackward`)',
  ]);
  t.deepEqual(missingPieces({ ...spec('linear'), noWasmBackward: 'not yet' }, noLinear), []);
  // The registry's `lrn` declares it; given a backward, the declaration is stale.
  t.deepEqual(missingPieces(spec('lrn'), { ...world, wasmBackward: () => true }), [
    'layer `lrn`: a wasm backward for every kernel although its spec declares `noWasmBackward`',
  ]);
});
