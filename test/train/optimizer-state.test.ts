// Optimizer state through a checkpoint: Adam resumed from a saved checkpoint takes exactly the
// same next step as the Adam that never stopped.
import test from 'ava';
import { loadCheckpoint, saveCheckpoint } from '../../trainer/io/checkpoint.js';
import { catchTrainError } from '../../trainer/core/errors.js';
import {
  packOptimizerState,
  unpackOptimizerState,
  type ParameterInfo,
} from '../../trainer/core/optimizer-state.js';
import { adam } from '../../runtime/optim/adam.js';
import { tempDir } from './fixtures.js';

const parameters: ParameterInfo[] = [
  { name: 'fc.weight', shape: [2, 3] },
  { name: 'fc.bias', shape: [2] },
];

/** A fixed gradient for step `step`. */
function gradients(step: number): Float32Array[] {
  return [
    Float32Array.from({ length: 6 }, (_, idx) => Math.sin(step + idx)),
    Float32Array.from([step / 10, -step / 7]),
  ];
}

test('adam resumed from a checkpoint continues bit for bit', (t) => {
  const params = [Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([0.5, -0.5])];
  const running = adam({ lr: 0.01 });
  for (let step = 1; step <= 3; step++) running.step(params, gradients(step));
  const dir = tempDir(t);
  const saved = saveCheckpoint(dir, {
    epoch: 1,
    step: 3,
    weights: new Map(
      parameters.map(({ name, shape }, idx) => [name, { shape, data: params[idx] }]),
    ),
    ...packOptimizerState(running.state(), parameters, { lr: 0.01 }),
    history: [],
    rng: { seed: 1 },
    info: {},
  });
  t.true(saved.ok);
  const loaded = loadCheckpoint(dir);
  if (!loaded.ok) return t.fail(loaded.message);
  t.deepEqual(loaded.value.state.optimizer, {
    lr: 0.01,
    kind: 'adam',
    step: 3,
    slots: ['exp_avg', 'exp_avg_sq'],
  });
  const resumed = adam({ lr: 0.01 });
  resumed.loadState(unpackOptimizerState(loaded.value.state, parameters));
  const resumedParams = parameters.map(({ name }) =>
    loaded.value.state.weights.get(name)!.data.slice(),
  );
  running.step(params, gradients(4));
  resumed.step(resumedParams, gradients(4));
  t.deepEqual(resumedParams, params);
});

test('a missing optimizer tensor is named', (t) => {
  const result = catchTrainError(() =>
    unpackOptimizerState(
      { optimizer: { kind: 'adam', step: 1, slots: ['exp_avg'] }, optimizerTensors: new Map() },
      parameters,
    ),
  );
  t.deepEqual(result, {
    ok: false,
    message: 'checkpoint has no optimizer tensor `exp_avg/fc.weight`',
  });
});
