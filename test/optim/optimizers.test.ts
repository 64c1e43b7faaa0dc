// Each optimizer and schedule against PyTorch's published `torch.optim` update rules, written
// again here in float64 (independently of runtime/optim), on a fixed quadratic and on a tiny
// linear model, a few steps each, within 1e-6.
import test from 'ava';
import {
  applySchedule,
  createOptimizer,
  createSchedule,
  type OptimizerSpec,
  type ScheduleSpec,
} from '../../runtime/optim/index.js';

/** A float64 reference optimizer: one step from gradient `g` at step `t` (1-based), in place. */
type RefStep = (
  theta: Float64Array,
  g: Float64Array,
  t: number,
  lr: number,
  momentum: number,
) => void;

/** PyTorch's algorithms (pseudocode of each `torch.optim` documentation page). */
function referenceOptimizer(spec: OptimizerSpec): RefStep {
  const slots: Record<string, Float64Array> = {};
  const slot = (name: string, n: number) => (slots[name] ??= new Float64Array(n));
  switch (spec.kind) {
    case 'sgd':
      return (theta, g, t, lr, mu) => {
        const b = slot('b', theta.length);
        const [wd, tau] = [spec.weightDecay ?? 0, spec.dampening ?? 0];
        for (let i = 0; i < theta.length; i++) {
          let gi = g[i] + wd * theta[i];
          if (mu !== 0) {
            b[i] = t > 1 ? mu * b[i] + (1 - tau) * gi : gi;
            gi = spec.nesterov ? gi + mu * b[i] : b[i];
          }
          theta[i] -= lr * gi;
        }
      };
    case 'rmsprop':
      return (theta, g, _t, lr, mu) => {
        const [v, gAvg, b] = [
          slot('v', theta.length),
          slot('g', theta.length),
          slot('b', theta.length),
        ];
        const [alpha, eps, wd] = [spec.alpha ?? 0.99, spec.eps ?? 1e-8, spec.weightDecay ?? 0];
        for (let i = 0; i < theta.length; i++) {
          const gi = g[i] + wd * theta[i];
          v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
          let vTilde = v[i];
          if (spec.centered) {
            gAvg[i] = alpha * gAvg[i] + (1 - alpha) * gi;
            vTilde -= gAvg[i] ** 2;
          }
          if (mu > 0) {
            b[i] = mu * b[i] + gi / (Math.sqrt(vTilde) + eps);
            theta[i] -= lr * b[i];
          } else theta[i] -= (lr * gi) / (Math.sqrt(vTilde) + eps);
        }
      };
    case 'adagrad':
      return (theta, g, t, lr) => {
        const s = slot('s', theta.length);
        const [eps, wd, decay] = [spec.eps ?? 1e-10, spec.weightDecay ?? 0, spec.lrDecay ?? 0];
        const gamma = lr / (1 + (t - 1) * decay);
        for (let i = 0; i < theta.length; i++) {
          const gi = g[i] + wd * theta[i];
          s[i] += gi * gi;
          theta[i] -= (gamma * gi) / (Math.sqrt(s[i]) + eps);
        }
      };
    case 'adam':
    case 'adamw':
      return (theta, g, t, lr, beta1) => {
        const [m, v, vMax] = [
          slot('m', theta.length),
          slot('v', theta.length),
          slot('vmax', theta.length),
        ];
        const [beta2, eps] = [spec.beta2 ?? 0.999, spec.eps ?? 1e-8];
        const wd = spec.weightDecay ?? (spec.kind === 'adamw' ? 1e-2 : 0);
        for (let i = 0; i < theta.length; i++) {
          if (spec.kind === 'adamw') theta[i] -= lr * wd * theta[i];
          const gi = g[i] + (spec.kind === 'adam' ? wd * theta[i] : 0);
          m[i] = beta1 * m[i] + (1 - beta1) * gi;
          v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
          const mHat = m[i] / (1 - beta1 ** t);
          // AMSGrad keeps the running maximum of the raw v and bias-corrects it at step t
          // (the docs' algorithm box since PyTorch 2.1, and `_single_tensor_adam`).
          if (spec.amsgrad) vMax[i] = Math.max(vMax[i], v[i]);
          const vHat = (spec.amsgrad ? vMax[i] : v[i]) / (1 - beta2 ** t);
          theta[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
        }
      };
  }
}

const optimizers: OptimizerSpec[] = [
  { kind: 'sgd', lr: 0.1 },
  { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  { kind: 'sgd', lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 },
  { kind: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.05 },
  { kind: 'rmsprop', lr: 0.01 },
  { kind: 'rmsprop', lr: 0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.1, centered: true },
  { kind: 'adagrad', lr: 0.1 },
  { kind: 'adagrad', lr: 0.1, lrDecay: 0.1, weightDecay: 0.01, eps: 1e-6 },
  { kind: 'adam', lr: 0.01 },
  { kind: 'adam', lr: 0.02, beta1: 0.8, beta2: 0.99, weightDecay: 0.1, amsgrad: true },
  { kind: 'adamw', lr: 0.01 },
  { kind: 'adamw', lr: 0.02, weightDecay: 0.1, amsgrad: true },
];

const describe = (spec: object) =>
  Object.entries(spec)
    .map(([key, value]) => (key === 'kind' ? value : `${key}=${value}`))
    .join(' ');

// A fixed quadratic f(θ) = ½ Σ a_i (θ_i − c_i)², gradient a ⊙ (θ − c).
const curvature = [1, 3, 0.5, 2, 0.1];
const centre = [0.5, -1, 2, 0, 1.5];
const quadraticGrad = (theta: ArrayLike<number>) =>
  Float64Array.from(curvature, (a, i) => a * (theta[i] - centre[i]));

// A tiny linear model y = W·x + b (2 outputs, 3 inputs) under MSE on four fixed samples.
const xs = [
  [1, 0.5, -1],
  [0.2, -0.3, 0.8],
  [-1, 1, 0.5],
  [0.7, 0.1, -0.4],
];
const ys = [
  [1, 0],
  [0, 1],
  [-1, 0.5],
  [0.3, -0.2],
];
function linearModelGrad(theta: ArrayLike<number>): Float64Array {
  const grad = new Float64Array(8);
  xs.forEach((x, s) => {
    for (let o = 0; o < 2; o++) {
      const y =
        theta[o * 3] * x[0] + theta[o * 3 + 1] * x[1] + theta[o * 3 + 2] * x[2] + theta[6 + o];
      const dy = (2 * (y - ys[s][o])) / (xs.length * 2);
      for (let i = 0; i < 3; i++) grad[o * 3 + i] += dy * x[i];
      grad[6 + o] += dy;
    }
  });
  return grad;
}

const problems = [
  ['quadratic', [0, 0, 0, 0, 0], quadraticGrad],
  ['linear 3→2 mse', [0.1, -0.2, 0.3, 0.05, 0.4, -0.1, 0, 0.2], linearModelGrad],
] as const;

/** Runs `steps` steps of our optimizer and of the reference, scheduled, returning both parameters. */
function run(
  spec: OptimizerSpec,
  schedule: ScheduleSpec,
  start: readonly number[],
  gradient: (theta: ArrayLike<number>) => Float64Array,
  steps: number,
) {
  const optimizer = createOptimizer(spec);
  const plan = createSchedule(schedule, spec.lr);
  const reference = referenceOptimizer(spec);
  const ours = Float32Array.from(start);
  const theirs = Float64Array.from(start);
  const defaultMomentum =
    spec.kind === 'adam' || spec.kind === 'adamw'
      ? (spec.beta1 ?? 0.9)
      : 'momentum' in spec
        ? (spec.momentum ?? 0)
        : 0;
  for (let t = 1; t <= steps; t++) {
    applySchedule(optimizer, plan, t - 1);
    optimizer.step([ours], [Float32Array.from(gradient(ours))]);
    const momentum = scheduledMomentum(schedule, t - 1) ?? defaultMomentum;
    reference(theirs, gradient(theirs), t, scheduledLr(schedule, spec.lr, t - 1), momentum);
  }
  return { ours, theirs, optimizer };
}

for (const spec of optimizers) {
  for (const [problem, start, gradient] of problems) {
    test(`${describe(spec)} on ${problem}: 6 steps match PyTorch's update rule`, (t) => {
      const { ours, theirs } = run(spec, { kind: 'constant' }, start, gradient, 6);
      const worst = Math.max(...Array.from(ours, (v, i) => Math.abs(v - theirs[i])));
      t.true(worst < 1e-6, `largest difference ${worst}`);
      t.notDeepEqual(Array.from(ours), start, 'the parameters moved');
    });
  }
}

// The schedules, written again from the PyTorch documentation (recursive forms where PyTorch has them).
function scheduledLr(spec: ScheduleSpec, base: number, step: number): number {
  switch (spec.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * (spec.gamma ?? 0.1) ** Math.floor(step / spec.every);
    case 'exponential': {
      let lr = base;
      for (let e = 1; e <= step; e++) lr *= spec.gamma;
      return lr;
    }
    case 'cosine': {
      // CosineAnnealingLR's recursive update (the form `step()` uses).
      const [tMax, eta] = [spec.epochs, spec.minLr ?? 0];
      let lr = base;
      for (let e = 1; e <= step; e++) {
        if ((e - 1 - tMax) % (2 * tMax) === 0)
          lr += ((base - eta) * (1 - Math.cos(Math.PI / tMax))) / 2;
        else
          lr =
            ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) *
              (lr - eta) +
            eta;
      }
      return lr;
    }
    case 'onecycle': {
      const initial = spec.maxLr / 25;
      const final = initial / 1e4;
      const upEnd = 0.3 * spec.totalSteps - 1;
      const cos = (a: number, b: number, pct: number) =>
        b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1);
      if (step <= upEnd) return cos(initial, spec.maxLr, step / upEnd);
      return cos(spec.maxLr, final, (step - upEnd) / (spec.totalSteps - 1 - upEnd));
    }
    case 'warmup': {
      const s = spec.startFactor ?? 1 / 3;
      if (step < spec.epochs) return base * (s + ((1 - s) * step) / spec.epochs);
      return scheduledLr(spec.then, base, step - spec.epochs);
    }
  }
}

function scheduledMomentum(spec: ScheduleSpec, step: number): number | null {
  if (spec.kind === 'warmup')
    return step < spec.epochs ? null : scheduledMomentum(spec.then, step - spec.epochs);
  if (spec.kind !== 'onecycle') return null;
  const upEnd = 0.3 * spec.totalSteps - 1;
  const cos = (a: number, b: number, pct: number) =>
    b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1);
  if (step <= upEnd) return cos(0.95, 0.85, step / upEnd);
  return cos(0.85, 0.95, (step - upEnd) / (spec.totalSteps - 1 - upEnd));
}

const schedules: ScheduleSpec[] = [
  { kind: 'constant' },
  { kind: 'step', every: 2, gamma: 0.5 },
  { kind: 'exponential', gamma: 0.8 },
  { kind: 'cosine', epochs: 5 },
  { kind: 'cosine', epochs: 4, minLr: 0.001 },
  { kind: 'onecycle', maxLr: 0.1, totalSteps: 10 },
  { kind: 'warmup', epochs: 3, then: { kind: 'cosine', epochs: 6 } },
  { kind: 'warmup', epochs: 2, startFactor: 0.1, then: { kind: 'step', every: 3, gamma: 0.5 } },
];

for (const schedule of schedules) {
  const name = JSON.stringify(schedule);
  test(`schedule ${name}: learning rates match PyTorch over 10 steps`, (t) => {
    const plan = createSchedule(schedule, 0.05);
    for (let step = 0; step < 10; step++) {
      const [ours, theirs] = [plan.lr(step), scheduledLr(schedule, 0.05, step)];
      t.true(Math.abs(ours - theirs) < 1e-12, `step ${step}: ${ours} vs ${theirs}`);
    }
  });
  for (const spec of [optimizers[1], optimizers[8]]) {
    test(`schedule ${name} with ${describe(spec)} on the linear model: 10 steps match`, (t) => {
      const { ours, theirs } = run(spec, schedule, problems[1][1], linearModelGrad, 10);
      const worst = Math.max(...Array.from(ours, (v, i) => Math.abs(v - theirs[i])));
      t.true(worst < 1e-6, `largest difference ${worst}`);
    });
  }
}

test('onecycle matches values printed by torch.optim.lr_scheduler.OneCycleLR(max_lr=0.1, total_steps=10)', (t) => {
  const plan = createSchedule({ kind: 'onecycle', maxLr: 0.1, totalSteps: 10 }, 0.05);
  // initial lr = 0.1/25; peak at step 0.3·10 − 1 = 2; final = 0.004/1e4 at step 9.
  t.true(Math.abs(plan.lr(0) - 0.004) < 1e-15);
  t.true(Math.abs(plan.lr(2) - 0.1) < 1e-15);
  t.true(Math.abs(plan.lr(9) - 4e-7) < 1e-15);
  t.true(Math.abs((plan.momentum(2) ?? 0) - 0.85) < 1e-15);
});

test('optimizer state round-trips through state()/loadState() and resumes identically', (t) => {
  const spec: OptimizerSpec = { kind: 'adam', lr: 0.01, amsgrad: true };
  const first = createOptimizer(spec);
  const theta = Float32Array.from([0.3, -0.2, 0.1, 0.4, -0.5]);
  for (let step = 0; step < 3; step++)
    first.step([theta], [Float32Array.from(quadraticGrad(theta))]);
  const saved = structuredClone(first.state());
  t.is(saved.step, 3);
  t.deepEqual(Object.keys(saved.slots).sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  const resumed = createOptimizer(spec);
  resumed.loadState(saved);
  const copy = theta.slice();
  first.step([theta], [Float32Array.from(quadraticGrad(theta))]);
  resumed.step([copy], [Float32Array.from(quadraticGrad(copy))]);
  t.deepEqual(copy, theta);
  t.throws(() => createOptimizer({ kind: 'sgd', lr: 1 }).loadState(saved), {
    message: /state is for adam/,
  });
});
