// Differential tests of the optimiser and the lowering: -O0 and -O2 agree within 1e-5, im2col and
// direct convolutions agree within 1e-5, and weights round-trip through safetensors unchanged.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { allclose } from '../../runtime/tensor.js';
import { buildSource, inputFor } from './build-helper.js';
import { randomWeights } from './weights.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

const NET = `block Unit(c) {
  residual {
    conv(c, 3, pad=1, bias=false)
    batchnorm
    relu
    conv(c, 3, pad=1)
    batchnorm
  }
  relu
}
model Net {
  input x: [3, 8, 8]
  conv(4, 3, pad=1)
  batchnorm
  relu
  Unit(4)
  depthwise(3, pad=1)
  conv(6, 1)
  maxpool(2)
  sigmoid
  tanh
  dropout(0.2)
  flatten
  linear(5)
  output y
}
`;

async function run(
  label: string,
  options: { level: 0 | 1 | 2; conv: 'auto' | 'im2col' | 'direct' },
) {
  const { module, code } = await buildSource(`diff-${label}`, NET, options);
  const model = await module.create({ backend: shared() });
  model.loadWeights(randomWeights(module, 5));
  const output = await model.forward(inputFor(2 * 3 * 8 * 8, 3), 2);
  return { output, code, model };
}

/**
 * How `buildModel` (what `cnnc build` and the helper above call) lowered each convolution of NET
 * for a `--conv` choice, in order, from the planned graph it returns (`op:lowering`).
 */
async function plannedLowerings(conv: 'im2col' | 'direct'): Promise<string[]> {
  const compiled = compileSource('diff.cnn', NET);
  const built = await buildModel(compiled.program.models[0], {
    level: 2,
    conv,
    emit: 'ts',
    source: 'diff.cnn',
    texts: compiled.texts,
    verify: true,
  });
  if (!built.code) throw new Error(built.diagnostics.map((d) => d.message).join('; '));
  return built.graph.nodes
    .filter((node) => node.op === 'conv' || node.op === 'depthwise')
    .map((node) => `${node.op}:${node.lowering ?? 'none'}`);
}

test.serial('-O0 and -O2 agree within 1e-5', async (t) => {
  const o0 = await run('o0', { level: 0, conv: 'auto' });
  const o2 = await run('o2', { level: 2, conv: 'auto' });
  const report = allclose(o2.output, o0.output, 1e-5, 1e-6);
  t.true(report.ok, report.message);
  t.true(o2.code.includes('elementwiseChain'), 'sigmoid + tanh run as one kernel at -O2');
  t.false(o2.code.includes('batchnorm('), 'every batchnorm is folded at -O2');
});

test.serial('im2col and direct lowering agree within 1e-5', async (t) => {
  const direct = await run('direct', { level: 2, conv: 'direct' });
  const im2col = await run('im2col', { level: 2, conv: 'im2col' });
  // NET's convolutions at -O2: the stem 3×3, the residual unit's two 3×3, the depthwise 3×3 and
  // a 1×1 (a plain GEMM whatever --conv says; docs/passes.md, "Convolution lowering").
  t.deepEqual(await plannedLowerings('direct'), [
    'conv:direct',
    'conv:direct',
    'conv:direct',
    'depthwise:direct',
    'conv:gemm',
  ]);
  t.deepEqual(await plannedLowerings('im2col'), [
    'conv:im2col',
    'conv:im2col',
    'conv:im2col',
    'depthwise:im2col',
    'conv:gemm',
  ]);
  const report = allclose(im2col.output, direct.output, 1e-5, 1e-6);
  t.true(report.ok, report.message);
});

test.serial('weights round-trip: save → load → identical outputs', async (t) => {
  const first = await run('roundtrip', { level: 2, conv: 'auto' });
  const saved = first.model.saveWeights();
  const { module } = await buildSource('diff-roundtrip-2', NET);
  const second = await module.create({ backend: shared(), weights: saved });
  const output = await second.forward(inputFor(2 * 3 * 8 * 8, 3), 2);
  t.deepEqual([...output], [...first.output]);
});

test.serial('seeded initialisation is reproducible', async (t) => {
  const { module } = await buildSource('diff-seed', NET);
  const a = await module.create({ backend: shared(), seed: 7, init: 'he' });
  const b = await module.create({ backend: shared(), seed: 7, init: 'he' });
  const c = await module.create({ backend: shared(), seed: 8, init: 'he' });
  t.deepEqual(a.saveWeights(), b.saveWeights());
  t.notDeepEqual(a.saveWeights(), c.saveWeights());
});
