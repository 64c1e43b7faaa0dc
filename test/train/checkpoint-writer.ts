// A child process for the killed-writer test: saves ever newer checkpoints of about 8 MB into the
// directory given as argument until it is killed, printing each completed epoch.
import { saveCheckpoint } from '../../trainer/io/checkpoint.js';

const directory = process.argv[2];
const weights = new Float32Array(2_000_000);
for (let epoch = 1; ; epoch++) {
  weights.fill(epoch);
  const saved = saveCheckpoint(directory, {
    epoch,
    step: epoch * 10,
    weights: new Map([['fc.weight', { shape: [2000, 1000], data: weights }]]),
    optimizerTensors: new Map(),
    optimizer: { kind: 'sgd', step: epoch * 10, slots: [] },
    history: [],
    rng: { seed: 1, draws: epoch, spare: null },
    info: {},
  });
  if (!saved.ok) throw new Error(saved.message);
  process.stdout.write(`${epoch}\n`);
}
