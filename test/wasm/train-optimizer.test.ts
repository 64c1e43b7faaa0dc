// The optimizer step in the wasm target's training module (compiler/emit/wasm/optimizer.ts,
// runtime/wasm/optimizer.ts) against runtime/optim's optimizers on the host: driven by the
// gradients each trainStep returns, from the same starting weights, every optimizer kind and
// variant gives byte-identical weights and optimizer state after several steps, also under
// schedules, a new optimizer, a larger batch (a new memory) and a checkpoint round trip; and the
// weights the modules' kernels read follow each update.
import test, { type ExecutionContext } from 'ava';
import {
  applySchedule,
  createOptimizer,
  createSchedule,
  type Optimizer,
  type OptimizerSpec,
  type OptimizerState,
  type ScheduleSpec,
} from '../../runtime/optim/index.js';
import {
  buildTrain,
  maxRelative,
  seeded,
  type TrainModel,
  type TrainModule,
} from './build-train.js';
import { forceConvLowering } from '../../compiler/emit/wasm/winograd.js';

// Convolutions packed as row panels (3→16) and Winograd (16→16, repacked on the host), a
// BatchNorm's gamma and beta, a linear layer's column panels and a bias of 9 floats padded to 16
// (an odd length: the module's update takes two floats at a time, then the last one alone).
const SOURCE = `
model Opt {
  input x: [3, 8, 8]
  conv(16, 3, pad=1)
  batchnorm
  relu
  conv(16, 3, pad=1)
  relu
  maxpool(2)
  flatten
  linear(9)
  output y
}

train Opt {
  loss = cross_entropy
  optimizer = adam(lr=1e-2)
  batch = 4
  seed = 3
}
`;

const SIZE = 3 * 8 * 8;
const inputs = (batch: number, seed: number) => seeded(batch * SIZE, seed);
const labelsOf = (batch: number) => Array.from({ length: batch }, (_, idx) => (idx * 3) % 9);

let built: Promise<{ code: string; module: TrainModule }> | undefined;
const module = async () => (await (built ??= buildTrain('optimizer-in-place', SOURCE))).module;

interface Model extends TrainModel {
  saveWeights(): Uint8Array;
  configureTraining(overrides: Record<string, unknown>): void;
  optimizerState(): { state: OptimizerState; parameters: string[] };
  loadOptimizerState(state: OptimizerState): void;
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** runtime/optim's optimizer over copies of `model`'s starting weights. */
function reference(model: Model, spec: OptimizerSpec) {
  const names = model.optimizerState().parameters;
  const params = names.map((name) => (model.parameters().get(name) as Float32Array).slice());
  let optimizer: Optimizer = createOptimizer(spec);
  return {
    names,
    params,
    get optimizer() {
      return optimizer;
    },
    replace(next: OptimizerSpec) {
      optimizer = createOptimizer(next);
    },
    /** One host step over the gradients `model` returned (zeros where none reached). */
    step(grads: ReadonlyMap<string, Float32Array> | undefined) {
      optimizer.step(
        params,
        names.map((name, idx) => grads?.get(name) ?? new Float32Array(params[idx].length)),
      );
    },
  };
}

/** Byte-compares `model`'s weights and optimizer state with the reference's. */
function same(t: ExecutionContext, model: Model, ref: ReturnType<typeof reference>, label: string) {
  ref.names.forEach((name, idx) => {
    const actual = model.parameters().get(name) as Float32Array;
    t.true(bytes(actual).equals(bytes(ref.params[idx])), `${label}: ${name}`);
  });
  const actual = model.optimizerState().state;
  const expected = ref.optimizer.state();
  t.is(actual.kind, expected.kind);
  t.is(actual.step, expected.step, `${label}: step`);
  t.deepEqual(Object.keys(actual.slots).sort(), Object.keys(expected.slots).sort());
  for (const [name, list] of Object.entries(expected.slots))
    list.forEach((slot, idx) =>
      t.true(bytes(actual.slots[name][idx]).equals(bytes(slot)), `${label}: ${name}[${idx}]`),
    );
}

const CASES: { name: string; spec: OptimizerSpec; schedule?: ScheduleSpec }[] = [
  { name: 'SGD', spec: { kind: 'sgd', lr: 0.05 } },
  {
    name: 'SGD, momentum, Nesterov, weight decay',
    spec: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  },
  {
    name: 'SGD, momentum and dampening under one-cycle (lr and momentum per step)',
    spec: { kind: 'sgd', lr: 0.05, momentum: 0.5, dampening: 0.3 },
    schedule: { kind: 'onecycle', maxLr: 0.1, totalSteps: 5 },
  },
  {
    name: 'Adam under one-cycle (lr and β1 per step)',
    spec: { kind: 'adam', lr: 1e-3 },
    schedule: { kind: 'onecycle', maxLr: 1e-2, totalSteps: 5 },
  },
  {
    name: 'Adam, AMSGrad, L2',
    spec: { kind: 'adam', lr: 1e-2, amsgrad: true, weightDecay: 1e-2 },
  },
  { name: 'AdamW', spec: { kind: 'adamw', lr: 1e-2 } },
  {
    name: 'AdamW, AMSGrad, decay 0.05, betas',
    spec: { kind: 'adamw', lr: 1e-2, amsgrad: true, weightDecay: 0.05, beta1: 0.8, beta2: 0.99 },
  },
  { name: 'RMSprop', spec: { kind: 'rmsprop', lr: 1e-3 } },
  {
    name: 'RMSprop, centered, momentum, weight decay, exponential schedule by epoch',
    spec: { kind: 'rmsprop', lr: 1e-3, centered: true, momentum: 0.9, weightDecay: 0.01 },
    schedule: { kind: 'exponential', gamma: 0.5 },
  },
  {
    name: 'Adagrad, lr decay, initial accumulator, weight decay',
    spec: {
      kind: 'adagrad',
      lr: 1e-2,
      lrDecay: 0.1,
      initialAccumulatorValue: 0.1,
      weightDecay: 0.01,
    },
  },
];

for (const c of CASES)
  test(`${c.name}: weights and state byte-identical to runtime/optim after 4 steps`, async (t) => {
    const model = (await (
      await module()
    ).create({
      threads: 1,
      seed: 2,
      train: { optimizer: c.spec, ...(c.schedule ? { schedule: c.schedule } : {}) },
    })) as Model;
    try {
      t.truthy(model.optimizer.stepInPlace, 'the optimizer runs in the training module');
      const ref = reference(model, c.spec);
      const start = ref.params.map((param) => param.slice());
      const schedule = c.schedule ? createSchedule(c.schedule, c.spec.lr) : null;
      for (let step = 0; step < 4; step++) {
        // One-cycle steps per batch; the exponential schedule per epoch (two steps each).
        const epoch = Math.floor(step / 2);
        const result = await model.trainStep(inputs(4, 10 + step), labelsOf(4), 4, {
          gradients: true,
          epoch,
        });
        if (schedule)
          applySchedule(ref.optimizer, schedule, c.schedule?.kind === 'onecycle' ? step : epoch);
        t.is(result.lr, ref.optimizer.hyper.lr);
        ref.step(result.gradients);
        same(t, model, ref, `step ${step}`);
      }
      // The steps moved every parameter (else the comparisons could not fail).
      ref.params.forEach((param, idx) =>
        t.false(bytes(param).equals(bytes(start[idx])), `${ref.names[idx]} moved`),
      );
    } finally {
      await model.dispose();
    }
  });

test('a new optimizer (configureTraining) starts from empty slots; a larger batch keeps them', async (t) => {
  const adam: OptimizerSpec = { kind: 'adam', lr: 1e-2, amsgrad: true };
  const rmsprop: OptimizerSpec = { kind: 'rmsprop', lr: 1e-3, centered: true, momentum: 0.5 };
  const model = (await (
    await module()
  ).create({ threads: 2, seed: 4, train: { optimizer: adam } })) as Model;
  try {
    const ref = reference(model, adam);
    const step = async (batch: number, seed: number) => {
      const result = await model.trainStep(inputs(batch, seed), labelsOf(batch), batch, {
        gradients: true,
      });
      ref.step(result.gradients);
    };
    await step(4, 1);
    await step(4, 2);
    same(t, model, ref, 'adam');
    model.configureTraining({ optimizer: rmsprop });
    ref.replace(rmsprop);
    await step(4, 3);
    same(t, model, ref, 'rmsprop after adam');
    // Batch 8, then a training-mode forward at 16: two new memories, the slots move along.
    await step(8, 4);
    model.train();
    await model.forward(inputs(16, 5), 16);
    model.eval();
    await step(4, 6);
    same(t, model, ref, 'rmsprop after larger batches');
  } finally {
    await model.dispose();
  }
});

test('checkpoint round trip: a resumed model continues byte-identically', async (t) => {
  const spec: OptimizerSpec = { kind: 'adam', lr: 1e-2, amsgrad: true, weightDecay: 1e-3 };
  const mod = await module();
  const a = (await mod.create({ threads: 1, seed: 6, train: { optimizer: spec } })) as Model;
  let b: Model | undefined;
  try {
    for (let step = 0; step < 2; step++) await a.trainStep(inputs(4, step), labelsOf(4), 4);
    const checkpoint = a.optimizerState();
    t.deepEqual(Object.keys(checkpoint.state.slots).sort(), [
      'exp_avg',
      'exp_avg_sq',
      'max_exp_avg_sq',
    ]);
    b = (await mod.create({
      threads: 1,
      weights: a.saveWeights(),
      train: { optimizer: spec },
    })) as Model;
    // Loaded before the resumed model's first step, while its training module has no memory yet.
    b.loadOptimizerState(checkpoint.state);
    t.deepEqual(b.optimizerState(), checkpoint);
    for (let step = 2; step < 4; step++) {
      await a.trainStep(inputs(4, step), labelsOf(4), 4);
      await b.trainStep(inputs(4, step), labelsOf(4), 4);
    }
    for (const [name, value] of a.parameters())
      t.true(bytes(value).equals(bytes(b.parameters().get(name) as Float32Array)), name);
    t.deepEqual(b.optimizerState(), a.optimizerState());
    t.is(b.step, 4);
    // A state of another shape is refused with its reason.
    const plain = { kind: 'adam', step: 1, slots: { exp_avg: checkpoint.state.slots.exp_avg } };
    t.throws(() => b?.loadOptimizerState(plain), {
      message: /optimizer state has slots exp_avg; adam here keeps exp_avg, exp_avg_sq/,
    });
    t.throws(() => b?.loadOptimizerState({ ...plain, kind: 'sgd' }), {
      message: 'optimizer state is for sgd, not adam',
    });
  } finally {
    await a.dispose();
    await b?.dispose();
  }
});

// Without BatchNorm the training forward computes what the inference forward does, from weights
// the training module repacked itself (compiler/emit/wasm/optimizer.ts) where the inference
// module's come from the host's packing (runtime/wasm/pack.ts).
const PLAIN = SOURCE.replace('  batchnorm\n', '');

test('after in-place steps, both modules compute with the updated weights', async (t) => {
  t.not(PLAIN, SOURCE);
  const mod = (await buildTrain('optimizer-in-place-plain', PLAIN)).module;
  const model = (await mod.create({ threads: 1, seed: 8 })) as Model;
  let fresh: Model | undefined;
  try {
    for (let step = 0; step < 3; step++) await model.trainStep(inputs(4, step), labelsOf(4), 4);
    fresh = (await mod.create({ threads: 1, weights: model.saveWeights() })) as Model;
    const x = inputs(4, 20);
    const inference = await model.forward(x, 4);
    t.true(bytes(inference).equals(bytes(await fresh.forward(x, 4))), 'inference forward');
    model.train();
    const trained = await model.forward(x, 4);
    const error = maxRelative(trained, inference);
    t.true(error < 1e-5, `training forward against inference forward: ${error}`);
    // The weights moved enough for stale packed weights to show.
    const start = await mod.create({ threads: 1, seed: 8 });
    t.true(maxRelative(await start.forward(x, 4), inference) > 1e-3);
    await start.dispose();
  } finally {
    await model.dispose();
    await fresh?.dispose();
  }
});

// The loss reads the first output only, so no gradient reaches the second layer: the module's
// optimizer reads zeros for it (its weight decay still applies), as runtime/optim's trainer does.
const TWO_HEADS = `
model Two {
  input x: [7]
  linear(5)
  output a
  linear(3)
  output b
}

train Two {
  loss = cross_entropy
  optimizer = sgd(lr=0.1, weight_decay=0.5)
  batch = 2
}
`;

test('a parameter no gradient reaches is updated from zeros, as on the host', async (t) => {
  const spec: OptimizerSpec = { kind: 'sgd', lr: 0.1, weightDecay: 0.5 };
  const model = (await (
    await buildTrain('optimizer-two-heads', TWO_HEADS)
  ).module.create({
    threads: 1,
    seed: 1,
  })) as Model;
  try {
    t.truthy(model.optimizer.stepInPlace);
    const ref = reference(model, spec);
    for (let step = 0; step < 3; step++) {
      const result = await model.trainStep(seeded(14, step), [1, 2], 2, { gradients: true });
      t.deepEqual([...(result.gradients?.keys() ?? [])].sort(), ['0.bias', '0.weight']);
      ref.step(result.gradients);
      same(t, model, ref, `step ${step}`);
    }
  } finally {
    await model.dispose();
  }
});

// Winograd F(4×4) weights are repacked on the host after each in-place update (the module's
// `opt_repack` covers panels and plain slots only): building such a training module once threw
// "no in-module repack of winograd4x4".
const WINOGRAD4 = `
model Wino {
  input x: [16, 12, 12]
  conv(16, 3, pad=1)
  relu
  avgpool(global)
  flatten
  linear(5)
  output y
}

train Wino {
  loss = cross_entropy
  optimizer = sgd(lr=0.1, momentum=0.9)
  batch = 2
}
`;

test.serial(
  'F(4×4) convolutions train in place: weights as on the host, both modules follow',
  async (t) => {
    forceConvLowering('winograd4');
    let built: Awaited<ReturnType<typeof buildTrain>>;
    try {
      built = await buildTrain('optimizer-in-place-winograd4', WINOGRAD4);
    } finally {
      forceConvLowering(undefined);
    }
    t.regex(built.code, /winograd4x4/, 'the convolution lowers to F(4×4)');
    const spec: OptimizerSpec = { kind: 'sgd', lr: 0.1, momentum: 0.9 };
    const size = 16 * 12 * 12;
    const model = (await built.module.create({ threads: 1, seed: 4 })) as Model;
    let fresh: Model | undefined;
    try {
      const ref = reference(model, spec);
      for (let step = 0; step < 3; step++) {
        const result = await model.trainStep(seeded(2 * size, 30 + step), [1, 3], 2, {
          gradients: true,
        });
        ref.step(result.gradients);
        same(t, model, ref, `step ${step}`);
      }
      const x = seeded(2 * size, 40);
      fresh = (await built.module.create({ threads: 1, weights: model.saveWeights() })) as Model;
      const inference = await model.forward(x, 2);
      t.true(bytes(inference).equals(bytes(await fresh.forward(x, 2))), 'inference forward');
      model.train();
      const error = maxRelative(await model.forward(x, 2), inference);
      t.true(error < 1e-5, `training forward against inference forward: ${error}`);
    } finally {
      await model.dispose();
      await fresh?.dispose();
    }
  },
);
