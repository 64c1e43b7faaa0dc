// ava runs the TypeScript tests directly through tsx's loader (test/helpers/tsx.mjs: tsx, except for
// the dependencies' ES modules, which it would re-scan: 4.4 s of CPU per process loading binaryen).
//
// `npm test` runs every test but the slow end-to-end ones below (whole training runs through the
// CLI, a clean clone, a packed install), which `npm run test:slow` runs (CNNC_TESTS=slow) and
// .ci/run runs after `npm test`, so that `npm test` stays under 5 minutes on 2 cores.
const slow = [
  'test/train/train-cli.test.ts',
  'test/train/train-lenet.test.ts',
  'test/train/augment-cli.test.ts',
  'test/train/normalize-cli.test.ts',
  'test/wasm/train-cli.test.ts',
  'test/emit/readme-flow.test.ts',
  'test/package/pack-install.test.ts',
  // Spawns `cnnc train` (a whole build per case) on hostile data paths: about 40 s of CPU.
  'test/hostile/train.test.ts',
  // A whole PyTorch training run: `torchrun` with two processes for one epoch (17–19 s in npm test
  // on a busy machine, and the only file that failed there, once, at a load average of 20).
  'test/export/pytorch-ddp.test.ts',
];

// Files with a part for each suite: they read CNNC_TESTS themselves (test/helpers/suite.ts) and
// register their fast tests in `npm test`, the rest in `npm run test:slow`.
const split = [
  // The hostile corpus: `fmt` and `summary` in-process in npm test; `check` as a separate process
  // per case and `build` (a wasm build per compiling case) in test:slow (about 60 s of CPU).
  'test/hostile/corpus.test.ts',
  // Convolution gradients as GEMMs: stride 1 and 2 and the thread check in npm test; the other
  // finite-difference cases (dilation, 1-D, partial tiles, 201 channels) in test:slow.
  'test/wasm/conv-gemm-grad.test.ts',
  // Every kernel's units in shuffled order over poisoned scratch, and training steps so (test:slow);
  // the real pool with late and nudged workers in both.
  'test/wasm/threads.test.ts',
  // A worker stopped across 2^16 dispatches (test:slow); the other protocol tests in both.
  'test/wasm/pool.test.ts',
];

const onlySlow = process.env.CNNC_TESTS === 'slow';

export default {
  files: onlySlow ? [...slow, ...split] : ['test/**/*.test.ts', ...slow.map((file) => `!${file}`)],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=./test/helpers/tsx.mjs'],
  timeout: '120s',
  workerThreads: false,
};
