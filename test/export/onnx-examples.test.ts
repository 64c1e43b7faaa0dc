// Every example ONNX can express, exported and run in onnxruntime-node, gives the generated
// module's outputs within 1e-4 relative (largest difference over the largest output), with seeded
// weights and with loaded ("trained") ones, at batch 1 and 3: the ONNX batch is symbolic. The
// examples ONNX cannot express must say why (CNN4010). npm test runs the small examples;
// `npm run test:export` (CNNC_ONNX_EXAMPLES=all) runs every one, VGG-16 and VGG-19 included, and
// CNNC_ONNX_EXAMPLES=resnet18,vgg16 a list.
//
// When examples are named (or `all`), the generated module is the wasm target's (`--target
// wasm`): exact index arithmetic (i32 byte addresses) and 10–23× faster than gpu.js's webasm
// mode, which is what lets VGG-16 and VGG-19 (15.5 and 19.6 G multiply-adds per sample, `fc`
// weights of 102.8 M values) run in minutes. A model with a layer the wasm target has no kernel
// for (CNN4002) is compared with the gpu.js target on webasm instead, which keeps every launch
// exact too (runtime/exact.ts); the quick examples are compared with both targets. npm test's
// default run compares the quick examples with the gpu.js target only: loading binaryen (the wasm
// target's compiler, a 14.8 MB module) through tsx's loader costs 10–20 s per test process.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { exportOnnx } from '../../compiler/export/onnx/export.js';
import { exportWeights } from '../../compiler/export/onnx/weights.js';
import type { ModelGraph } from '../../compiler/ir/graph.js';
import { createBackend, type Backend } from '../../runtime/backend.js';
import {
  compile,
  forwardByName,
  generatedModule,
  inputsFor,
  onnxBytes,
  openOnnx,
  relativeError,
  trainedWeights,
  wasmModule,
  type Compiled,
  type Module,
  type WasmModule,
} from './onnx-helpers.js';

/** The examples small enough for every `npm test` run (a few seconds each on 2 cores). */
const QUICK = ['lenet5', 'mnist_mlp', 'fashion_cnn', 'seq1d', 'unet_small'];
/** Models ONNX cannot express, with the reason's key phrase. */
const INEXPRESSIBLE: Record<string, string> = { GoogLeNetAux: 'ONNX has no adaptive pooling' };

const all = readdirSync('examples')
  .filter((name) => name.endsWith('.cnn'))
  .map((name) => name.replace(/\.cnn$/, ''))
  .sort();
const wanted = process.env.CNNC_ONNX_EXAMPLES;
const chosen = wanted === 'all' ? all : wanted ? wanted.split(',') : QUICK;

let webasm: Backend | undefined;
const shared = () => (webasm ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => {
  await webasm?.dispose();
});

/** One generated module to compare with: how to create an instance with given weights. */
interface Runner {
  target: string;
  create(
    weights: { seed: number } | { weights: Uint8Array },
  ): Promise<Awaited<ReturnType<WasmModule['create']>>>;
}

function gpujsRunner(module: Module): Runner {
  return {
    target: 'gpu.js webasm',
    create: (weights) => module.create({ ...weights, backend: shared() }),
  };
}

/**
 * The generated modules to compare with: the wasm target's when the model builds there (else the
 * gpu.js target's), and the gpu.js target's too for the quick examples. npm test's default run
 * (`useWasm` false) compares the quick examples with the gpu.js target only.
 */
async function runnersFor(
  compiled: Compiled,
  model: ModelGraph,
  { useWasm, quick }: { useWasm: boolean; quick: boolean },
  log: (line: string) => void,
): Promise<{ runners: Runner[]; specs: Module['parameterSpecs'] }> {
  const runners: Runner[] = [];
  let specs: Module['parameterSpecs'] | undefined;
  if (useWasm) {
    const wasm = await wasmModule(compiled, model);
    if ('unsupported' in wasm)
      log(`${model.name}: not on the wasm target (${wasm.unsupported}); gpu.js webasm instead`);
    else {
      runners.push({ target: 'wasm', create: (weights) => wasm.module.create(weights) });
      specs = wasm.module.parameterSpecs;
    }
  }
  if (runners.length === 0 || quick) {
    const module = await generatedModule(compiled, model);
    runners.push(gpujsRunner(module));
    specs ??= module.parameterSpecs;
  }
  return { runners, specs: specs ?? [] };
}

test('the quick set names real examples', (t) => {
  t.deepEqual(
    QUICK.filter((name) => !all.includes(name)),
    [],
  );
});

for (const name of chosen) {
  test.serial(`${name}: ONNX export equals the generated module`, async (t) => {
    const started = performance.now();
    const file = `examples/${name}.cnn`;
    const compiled = compile(file, readFileSync(file, 'utf8'));
    for (const model of compiled.program.models) {
      if (INEXPRESSIBLE[model.name]) {
        const weights = exportWeights(model, undefined, { seed: 0 });
        const result = weights.ok
          ? exportOnnx(model, weights.weights, { trace: () => '', producerVersion: 'test' })
          : undefined;
        t.true(result?.bytes === undefined, `${model.name} exported`);
        const codes = result?.diagnostics.map((d) => `${d.code} ${d.message}`) ?? [];
        t.true(codes.length > 0 && codes.every((c) => c.startsWith('CNN4010')), codes.join('\n'));
        t.true(
          codes.some((c) => c.includes(INEXPRESSIBLE[model.name])),
          codes.join('\n'),
        );
        continue;
      }
      const { runners, specs } = await runnersFor(
        compiled,
        model,
        { useWasm: wanted !== undefined, quick: QUICK.includes(name) },
        (line) => t.log(line),
      );
      // The loaded weights are made only for their case: VGG's are 553 MB.
      const cases = [
        { label: 'seeded', weights: () => ({ create: { seed: 5 }, source: { seed: 5 } }) },
        {
          label: 'loaded',
          weights: () => {
            const trained = trainedWeights({ parameterSpecs: specs }, 3);
            return { create: { weights: trained }, source: { safetensors: trained } };
          },
        },
      ];
      for (const { label, weights } of cases) {
        const { create, source } = weights();
        const session = await openOnnx(onnxBytes(compiled, model, source), model);
        try {
          for (const runner of runners) {
            const instance = await runner.create(create);
            try {
              for (const batch of [1, 3]) {
                const inputs = inputsFor(model, batch, 11);
                const expected = await forwardByName(instance, model, inputs, batch);
                const actual = await session.run(inputs, batch);
                for (const output of model.outputs) {
                  const error = relativeError(actual[output.name], expected[output.name]);
                  const what = `${model.name} ${label} batch ${batch} ${output.name} (${runner.target})`;
                  t.log(`${what}: ${error.toExponential(2)}`);
                  t.true(error <= 1e-4, `${what}: ${error}`);
                }
              }
            } finally {
              await instance.dispose();
            }
          }
        } finally {
          await session.release();
        }
      }
    }
    t.log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });
}
