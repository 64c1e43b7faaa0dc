// The generated forward keeps its values in the buffers the memory plan decided: the bytes it
// allocates are the planned ones (per batch size, once), outputs are the caller's to keep, and the
// results equal those of a forward without a memory plan (-O0 keeps one fresh array per layer).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { bytesOf, type Graph } from '../../compiler/ir/opt-graph.js';
import { createBackend, type Backend } from '../../runtime/backend.js';
import { allclose } from '../../runtime/tensor.js';
import { buildSource, inputFor } from './build-helper.js';

let backend: Backend | undefined;
const shared = () => (backend ??= createBackend({ mode: 'webasm', threads: false }));
test.after.always(async () => backend?.dispose());

// x [1,8,8] (256 B) takes slot 0; conv+relu [4,8,8] (1,024 B) slot 1; the second conv does not
// fit the freed 256 B slot 0, so slot 2; flatten aliases slot 2; linear (the output, 40 B) reuses
// slot 0. The forward's buffers are slots 1 and 2: 2 × 256 values per sample.
const CHAIN = `model M {
  input x: [1, 8, 8]
  conv(4, 3, pad=1)
  relu
  conv(4, 3, pad=1)
  flatten
  linear(10)
  output y
}
`;

// The output is a reshape of a planned buffer, which the forward must copy out.
const RESHAPED = `model R {
  input x: [1, 8, 8]
  conv(4, 3, pad=1)
  relu
  conv(2, 3, pad=1)
  flatten
  output y
}
`;

// Separable's depthwise half is an intermediate value inside one layer. x [4,8,8] (1,024 B) takes
// slot 0; conv [8,8,8] (2,048 B) slot 1; the first separable's output does not fit slot 0, so slot
// 2; the second's reuses slot 1 (the conv's, now read); linear (the output) takes slot 0. The
// forward's buffers are slots 1 and 2 (512 values each) and one for the depthwise halves
// ([8,8,8], 512 values): while the first separable runs, slot 1 holds its input and slot 2 is its
// own; while the second runs, slot 2 holds its input and slot 1 is its own, so both intermediates
// take the third buffer, which the first one needed anyway.
const SEPARABLE = `model S {
  input x: [4, 8, 8]
  conv(8, 3, pad=1)
  separable(8, 3, pad=1)
  separable(8, 3, pad=1)
  flatten
  linear(10)
  output y
}
`;

// x [1,8,8] takes slot 0; conv [2,8,8] (128 values) slot 1; conv [8,8,8] (512) slot 2; the
// separable's output (512) fits no freed slot, so slot 3; linear (the output) takes slot 0. While
// the separable runs, slot 1 (the first conv's, read) is free but holds only 128 values: it grows
// to the 512 of the depthwise half rather than a fourth buffer being added. Buffers: 3 × 512.
const GROWN = `model G {
  input x: [1, 8, 8]
  conv(2, 3, pad=1)
  conv(8, 3, pad=1)
  separable(8, 3, pad=1)
  flatten
  linear(10)
  output y
}
`;

interface Model {
  forward(x: Float32Array, batch: number): Promise<Float32Array>;
  bufferBytes(): number;
  dispose(): Promise<void>;
}

async function create(name: string, source: string, level: 0 | 2): Promise<Model> {
  const { module } = await buildSource(name, source, { level });
  return (await module.create({ backend: shared(), seed: 5 })) as unknown as Model;
}

test.serial('a chain allocates the two planned buffers, once per batch size', async (t) => {
  const model = await create('buffers-chain', CHAIN, 2);
  const plain = await create('buffers-chain-O0', CHAIN, 0);
  try {
    t.is(model.bufferBytes(), 0, 'nothing before the first forward');
    const x = inputFor(3 * 64, 2);
    const y = await model.forward(x, 3);
    t.is(model.bufferBytes(), 2 * 256 * 4 * 3, 'slots 1 and 2 for batch 3');
    const report = allclose(y, await plain.forward(x, 3), 1e-5, 1e-6);
    t.true(report.ok, report.message);
    t.is(plain.bufferBytes(), 0, '-O0 has no memory plan and no buffers');

    const kept = Float32Array.from(y);
    const again = await model.forward(inputFor(3 * 64, 7), 3);
    t.is(model.bufferBytes(), 2 * 256 * 4 * 3, 'the second call reuses them');
    t.deepEqual(y, kept, 'an earlier output is not overwritten');
    t.notDeepEqual(again, kept);
    await model.forward(inputFor(2 * 64, 3), 2);
    t.is(model.bufferBytes(), 2 * 256 * 4 * 3, 'a smaller batch fits the same buffers');
    await model.forward(inputFor(5 * 64, 4), 5);
    t.is(model.bufferBytes(), 2 * 256 * 4 * 8, 'a larger batch allocates them once more');
  } finally {
    await model.dispose();
    await plain.dispose();
  }
});

test.serial('separable convolutions keep their depthwise halves in a planned buffer', async (t) => {
  const model = await create('buffers-separable', SEPARABLE, 2);
  const plain = await create('buffers-separable-O0', SEPARABLE, 0);
  try {
    const x = inputFor(3 * 256, 6);
    const y = await model.forward(x, 3);
    t.is(model.bufferBytes(), 3 * 512 * 4 * 3, 'slots 1 and 2 and one intermediate buffer');
    const report = allclose(y, await plain.forward(x, 3), 1e-5, 1e-6);
    t.true(report.ok, report.message);
    const kept = Float32Array.from(y);
    await model.forward(inputFor(3 * 256, 8), 3);
    t.is(model.bufferBytes(), 3 * 512 * 4 * 3, 'the second call reuses them');
    t.deepEqual(y, kept, 'an earlier output is not overwritten');
  } finally {
    await model.dispose();
    await plain.dispose();
  }
});

test.serial('a free buffer too small for a depthwise half grows to hold it', async (t) => {
  const model = await create('buffers-grown', GROWN, 2);
  const plain = await create('buffers-grown-O0', GROWN, 0);
  try {
    const x = inputFor(2 * 64, 4);
    const y = await model.forward(x, 2);
    t.is(model.bufferBytes(), 3 * 512 * 4 * 2, 'slot 1 grown to 512 values, no fourth buffer');
    const report = allclose(y, await plain.forward(x, 2), 1e-5, 1e-6);
    t.true(report.ok, report.message);
  } finally {
    await model.dispose();
    await plain.dispose();
  }
});

test.serial('an output that reshapes a planned buffer is copied out', async (t) => {
  const model = await create('buffers-reshaped', RESHAPED, 2);
  const plain = await create('buffers-reshaped-O0', RESHAPED, 0);
  try {
    const x = inputFor(2 * 64, 2);
    const y = await model.forward(x, 2);
    const kept = Float32Array.from(y);
    const report = allclose(y, await plain.forward(x, 2), 1e-5, 1e-6);
    t.true(report.ok, report.message);
    await model.forward(inputFor(2 * 64, 9), 2);
    t.deepEqual(y, kept, 'the first output survives the second call');
  } finally {
    await model.dispose();
    await plain.dispose();
  }
});

test.serial('concurrent forwards never share buffers', async (t) => {
  const model = await create('buffers-concurrent', CHAIN, 2);
  try {
    const a = inputFor(64, 11);
    const b = inputFor(64, 12);
    const alone = [await model.forward(a, 1), await model.forward(b, 1)];
    const together = await Promise.all([model.forward(a, 1), model.forward(b, 1)]);
    t.deepEqual(together, alone);
  } finally {
    await model.dispose();
  }
});

/** Bytes per sample of the plan's slots that hold intermediates (not inputs, outputs, reshapes). */
function plannedForwardBytes(graph: Graph): number {
  const outputs = new Set(graph.outputs.map((output) => output.node));
  const slots = new Map<number, number>();
  for (const node of graph.nodes) {
    if (node.op === 'input' || node.op === 'flatten' || outputs.has(node.id)) continue;
    const slot = node.buffer as number;
    slots.set(slot, Math.max(slots.get(slot) ?? 0, bytesOf(node)));
  }
  return [...slots.values()].reduce((acc, bytes) => acc + bytes, 0);
}

test.serial('ResNet-18: a forward allocates the planned bytes and no more', async (t) => {
  t.timeout(300_000);
  const file = 'examples/resnet18.cnn';
  const compiled = compileSource(file, readFileSync(file, 'utf8'));
  const built = await buildModel(compiled.program.models[0], {
    level: 2,
    conv: 'auto',
    emit: 'ts',
    source: file,
    texts: compiled.texts,
  });
  const planned = plannedForwardBytes(built.graph);
  const memory = built.graph.memory;
  t.truthy(memory);
  // Four buffers instead of one array per layer: 36% of the sum of all intermediates.
  t.true(planned < (memory?.naiveBytes ?? 0) / 2, `${planned} of ${memory?.naiveBytes}`);
  t.is(planned, 4 * (100352 + 802816 + 200704 + 200704));
  const { module } = await buildSource('buffers-resnet18', readFileSync(file, 'utf8'));
  const model = (await module.create({ backend: shared(), seed: 1 })) as unknown as Model;
  try {
    await model.forward(inputFor(3 * 224 * 224, 1), 1);
    t.is(model.bufferBytes(), planned);
  } finally {
    await model.dispose();
  }
});
