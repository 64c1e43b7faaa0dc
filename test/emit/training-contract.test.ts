// The training half's contract: a layer whose kernel has no backward rule is a build error with a
// code and the layer's span (not generated code that throws when it trains), and a backward that
// returns no gradient for a parameter the compiler collects fails instead of training without it.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { gpujsTarget } from '../../compiler/emit/gpujs-target.js';
import type { KernelCall, Target } from '../../compiler/emit/target.js';
import type { KernelFactory } from '../../contract/descriptors.js';
import { createModelRuntime } from '../../runtime/model.js';

const SOURCE = `model M {
  input x: [2, 6, 6]
  conv(4, 3)
  relu
  lrn
  output y
}
`;

/** gpu.js, except that `lrn` runs on a factory no gradient rule knows. */
const withoutLrnBackward: Target = {
  ...gpujsTarget,
  planLayer(ctx) {
    const plan = gpujsTarget.planLayer(ctx);
    if (ctx.node.op !== 'lrn' || plan.kind !== 'kernels') return plan;
    const calls = plan.calls.map((call): KernelCall => ({
      ...call,
      factory: 'lrnUnknown' as KernelFactory,
    }));
    return { kind: 'kernels', calls };
  },
};

async function build(training: boolean) {
  const compiled = compileSource('m.cnn', SOURCE);
  if (compiled.diagnostics.length > 0) throw new Error(compiled.diagnostics[0].message);
  return buildModel(compiled.program.models[0], {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: 'm.cnn',
    texts: compiled.texts,
    target: withoutLrnBackward,
    training,
  });
}

test('a kernel without a backward rule is a build diagnostic at its layer', async (t) => {
  const built = await build(true);
  t.is(built.code, '');
  t.deepEqual(
    built.diagnostics.map((d) => [d.code, d.severity]),
    [['CNN4002', 'error']],
  );
  const [diagnostic] = built.diagnostics;
  t.is(SOURCE.slice(diagnostic.span.start, diagnostic.span.end), 'lrn');
  t.regex(diagnostic.message, /`lrn` \(kernel `lrnUnknown`\) has no backward/);
});

test('the same model builds for inference', async (t) => {
  const built = await build(false);
  t.deepEqual(built.diagnostics, []);
  t.true(built.code.includes('lrnUnknown('));
});

test('a null parameter gradient fails rather than being dropped', (t) => {
  const runtime = createModelRuntime({ mode: 'cpu' }, [], [], 'M');
  const grads = new Map<string, Float32Array>();
  runtime.collect(grads, '0.weight', Float32Array.of(1, 2));
  runtime.collect(grads, '0.weight', Float32Array.of(3, 4));
  t.deepEqual(grads.get('0.weight'), Float32Array.of(4, 6));
  const error = t.throws(() => runtime.collect(grads, '0.bias', null));
  t.regex(error?.message ?? '', /no gradient for `0\.bias`/);
});
