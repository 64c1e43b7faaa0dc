// Child: creates a model from the gpu.js module `cnnc build` wrote, with seeded weights, gives
// every BatchNorm non-trivial statistics and affine terms (so folding and normalisation are
// really compared), and saves the weights every engine then loads, plus the model's description.
//   tsx bench/children/make-weights.ts MODULE.js ARCH WEIGHTS.safetensors INFO.json
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ModelInfo } from '../lib/protocol.js';

interface Module {
  inputShape: readonly number[];
  outputShape: readonly number[];
  parameterSpecs: readonly { name: string; shape: readonly number[]; role: string }[];
  trainSpec: ModelInfo['trainSpec'];
  create(options: Record<string, unknown>): Promise<{
    parameters(): Map<string, Float32Array>;
    saveWeights(): Uint8Array | Promise<Uint8Array>;
    dispose(): Promise<void> | void;
  }>;
}

/** A small seeded generator (mulberry32), so the weights are the same on every run. */
function uniform(seed: number): (lo: number, hi: number) => number {
  let state = seed >>> 0;
  return (lo, hi) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

const RANGES: Record<string, [number, number]> = {
  gamma: [0.5, 1.5],
  beta: [-0.2, 0.2],
  running_mean: [-0.2, 0.2],
  running_var: [0.5, 1.5],
};

async function main(): Promise<void> {
  const [modulePath, arch, weightsPath, infoPath] = process.argv.slice(2);
  const generated = (await import(pathToFileURL(modulePath).href)) as Module;
  const model = await generated.create({ seed: 1, threads: false });
  const next = uniform(7);
  const live = model.parameters();
  for (const spec of generated.parameterSpecs) {
    const range = RANGES[spec.role];
    const tensor = live.get(spec.name);
    if (range === undefined || tensor === undefined) continue;
    for (let idx = 0; idx < tensor.length; idx++) tensor[idx] = next(range[0], range[1]);
  }
  writeFileSync(weightsPath, await model.saveWeights());
  const info: ModelInfo = {
    arch: arch as ModelInfo['arch'],
    inputShape: [...generated.inputShape],
    outputShape: [...generated.outputShape],
    params: generated.parameterSpecs.map((p) => ({
      name: p.name,
      shape: [...p.shape],
      role: p.role,
    })),
    trainSpec: generated.trainSpec,
  };
  writeFileSync(infoPath, JSON.stringify(info, null, 2));
  await model.dispose();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(`make-weights: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
