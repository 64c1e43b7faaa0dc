// Every layer of the registry has every per-layer piece: a shape rule, a parameter list, a case in
// the layer table (with its float64 reference), a plan on every target and a gradient rule in its
// spec for each gpu.js kernel (or a reason the spec declares), an ONNX translation and a PyTorch
// module in its spec that export its case, a docs row and an editor-grammar entry. The later tests
// delete one piece at a time and check that the message names the layer and the piece.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { gpujsTargetOf } from '../../compiler/emit/gpujs-target.js';
import type { KernelCall } from '../../compiler/emit/target.js';
import { wasmTarget } from '../../compiler/emit/wasm/target.js';
import { backwardKernel, isTableKernel } from '../../compiler/emit/wasm/kernels.js';
import { layers, lookupLayer } from '../../compiler/layers/registry.js';
import type { LayerBackends, LayerSpec } from '../../compiler/layers/types.js';
import { grammarFiles, wordsIn } from '../../scripts/grammar/editor-layers.js';
import { layerCases } from '../emit/layer-cases.js';
import { checkRegistry, disagreeingRules, missingPieces, type World } from './completeness.js';

const read = (file: string) => readFileSync(file, 'utf8');
const grammars = grammarFiles(read);

const world: World = {
  cases: layerCases,
  docs: read('docs/language.md'),
  exportDocs: read('docs/export.md'),
  grammars: new Map(grammars.map((g) => [g.file, wordsIn(g.file, g.committed)])),
  targets: (lookup) => [gpujsTargetOf(lookup), wasmTarget],
  lookup: lookupLayer,
  wasmBackward: (call) => backwardKernel(call) !== undefined,
  tableKernel: isTableKernel,
  canonical: (name) => lookupLayer(name)?.name,
};

const spec = (name: string): LayerSpec => lookupLayer(name) as LayerSpec;

/** `name`'s spec with one of its backends replaced (or deleted, with `undefined`). */
function withBackend(name: string, change: Partial<Record<keyof LayerBackends, unknown>>) {
  const original = spec(name);
  return { ...original, backends: { ...original.backends, ...change } } as LayerSpec;
}

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

test('a layer without a gradient rule in its spec is named', (t) => {
  const others = Object.fromEntries(
    Object.entries(spec('lrn').backends.gradients).filter(([factory]) => factory !== 'lrn'),
  );
  t.deepEqual(missingPieces(withBackend('lrn', { gradients: others }), world), [
    'layer `lrn`: no gradient rule for its gpu.js kernel `lrn` (`backends.gradients` in its spec)',
  ]);
});

test('a layer without a gpu.js plan in its spec is named, unless the spec declares why', (t) => {
  const problems = missingPieces(withBackend('lrn', { gpujs: undefined }), world);
  t.is(problems.length, 1);
  t.regex(problems[0], /^layer `lrn`: no plan on the gpu\.js target \(.*has no gpu\.js kernel/);
  const declared = {
    ...withBackend('lrn', { gpujs: undefined }),
    unsupportedOn: { 'gpu.js': 'not yet' },
  };
  t.deepEqual(missingPieces(declared, world), []);
});

test('a layer without an ONNX translation in its spec is named', (t) => {
  t.deepEqual(missingPieces(withBackend('lrn', { onnx: undefined }), world), [
    'layer `lrn`: no ONNX translation (`backends.onnx` in its spec)',
  ]);
});

test('a layer without a PyTorch module in its spec is named', (t) => {
  t.deepEqual(missingPieces(withBackend('lrn', { pytorch: undefined }), world), [
    'layer `lrn`: no PyTorch module (`backends.pytorch` in its spec)',
  ]);
});

test('an ONNX translation or PyTorch module that fails on the layer case is named', (t) => {
  const broken = withBackend('lrn', {
    onnx: () => ({ reason: 'broken on purpose', hint: '' }),
    pytorch: () => ({ unsupported: 'broken on purpose' }),
  });
  t.deepEqual(missingPieces(broken, world), [
    'layer `lrn`: its case does not export to ONNX (`lrn` cannot be exported to ONNX: broken on purpose)',
    'layer `lrn`: its case does not export to PyTorch (`lrn` cannot be exported to PyTorch: broken on purpose)',
  ]);
});

test('layers that share a kernel factory must agree on its gradient rule', (t) => {
  const relu = spec('relu');
  const activation = relu.backends.gradients.activation;
  const odd = { ...relu.backends.gradients, activation: { ...activation, saved: 'output' } };
  const specs = [spec('sigmoid'), { ...relu, backends: { ...relu.backends, gradients: odd } }];
  t.deepEqual(disagreeingRules(specs as LayerSpec[]), [
    "layer `relu`: its gradient rule for `activation` differs from layer `sigmoid`'s",
  ]);
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
