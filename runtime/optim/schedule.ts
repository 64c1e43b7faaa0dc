// Learning-rate schedules of LANGUAGE.md §8 as closed-form functions of the scheduler step
// (PyTorch's `last_epoch`), so they need no state of their own: a checkpoint's step counter is
// enough to resume them. The trainer decides whether a step is an epoch or a batch (PyTorch steps
// most schedulers per epoch and OneCycleLR per batch).
import type { Optimizer } from './optimizer.js';

/** A schedule as written in the `train` section. */
export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma?: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; epochs: number; minLr?: number }
  | {
      kind: 'onecycle';
      maxLr: number;
      totalSteps: number;
      pctStart?: number;
      divFactor?: number;
      finalDivFactor?: number;
      /** Cycle momentum (β1 for Adam) inversely to the learning rate; PyTorch's default true. */
      cycleMomentum?: boolean;
      baseMomentum?: number;
      maxMomentum?: number;
    }
  | { kind: 'warmup'; epochs: number; then: ScheduleSpec; startFactor?: number };

/** Learning rate (and, for one-cycle, momentum) at scheduler step `step` = 0, 1, 2, … */
export interface Schedule {
  lr(step: number): number;
  /** The momentum to set at `step`, or null to leave the optimizer's alone. */
  momentum(step: number): number | null;
}

// PyTorch's `_annealing_cos`: from `start` at pct 0 to `end` at pct 1 along half a cosine.
function annealCos(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/**
 * The schedule `spec` for an optimizer whose initial learning rate is `baseLr`. Formulas
 * (PyTorch `torch.optim.lr_scheduler`, closed forms):
 * - constant: `lr = base`
 * - step (StepLR): `base · γ^⌊t/every⌋` (γ = 0.1 by default)
 * - exponential (ExponentialLR): `base · γ^t`
 * - cosine (CosineAnnealingLR, T = epochs): `min + (base − min)·(1 + cos(π·t/T))/2`
 * - onecycle (OneCycleLR, cos anneal, div_factor 25, final_div_factor 1e4, pct_start 0.3): from
 *   `max/25` up to `max` over the first `pct·total − 1` steps, then down to `max/25/1e4` at
 *   `total − 1`; momentum from 0.95 down to 0.85 and back
 * - warmup (SequentialLR of LinearLR then `then`): `base·(s + (1 − s)·t/W)` for `t < W`
 *   (s = startFactor, PyTorch LinearLR's default 1/3), then `then` at step `t − W`
 */
export function createSchedule(spec: ScheduleSpec, baseLr: number): Schedule {
  const noMomentum = () => null;
  switch (spec.kind) {
    case 'constant':
      return { lr: () => baseLr, momentum: noMomentum };
    case 'step':
      return {
        lr: (t) => baseLr * (spec.gamma ?? 0.1) ** Math.floor(t / spec.every),
        momentum: noMomentum,
      };
    case 'exponential':
      return { lr: (t) => baseLr * spec.gamma ** t, momentum: noMomentum };
    case 'cosine': {
      const minLr = spec.minLr ?? 0;
      return {
        lr: (t) => minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * t) / spec.epochs))) / 2,
        momentum: noMomentum,
      };
    }
    case 'onecycle':
      return oneCycle(spec);
    case 'warmup': {
      const inner = createSchedule(spec.then, baseLr);
      const start = spec.startFactor ?? 1 / 3;
      const warm = (t: number) => t < spec.epochs;
      return {
        lr: (t) =>
          warm(t) ? baseLr * (start + ((1 - start) * t) / spec.epochs) : inner.lr(t - spec.epochs),
        momentum: (t) => (warm(t) ? null : inner.momentum(t - spec.epochs)),
      };
    }
  }
}

function oneCycle(spec: Extract<ScheduleSpec, { kind: 'onecycle' }>): Schedule {
  const initial = spec.maxLr / (spec.divFactor ?? 25);
  const minimum = initial / (spec.finalDivFactor ?? 1e4);
  const peak = (spec.pctStart ?? 0.3) * spec.totalSteps - 1;
  const last = spec.totalSteps - 1;
  const [low, high] = [spec.baseMomentum ?? 0.85, spec.maxMomentum ?? 0.95];
  const phase = (t: number) => {
    if (t > spec.totalSteps) {
      throw new Error(`onecycle: step ${t} is past the ${spec.totalSteps} total steps`);
    }
    return t <= peak ? { pct: t / peak, up: true } : { pct: (t - peak) / (last - peak), up: false };
  };
  return {
    lr(t) {
      const { pct, up } = phase(t);
      return up ? annealCos(initial, spec.maxLr, pct) : annealCos(spec.maxLr, minimum, pct);
    },
    momentum(t) {
      if (spec.cycleMomentum === false) return null;
      const { pct, up } = phase(t);
      return up ? annealCos(high, low, pct) : annealCos(low, high, pct);
    },
  };
}

/**
 * Sets `optimizer`'s learning rate (and momentum or Adam's β1, when the schedule cycles it and
 * the optimizer has one) for scheduler step `step`. NOTE: PyTorch's OneCycleLR refuses Adagrad,
 * which has no momentum; here its momentum is simply left alone.
 */
export function applySchedule(optimizer: Optimizer, schedule: Schedule, step: number): void {
  optimizer.hyper.lr = schedule.lr(step);
  const momentum = schedule.momentum(step);
  if (momentum !== null && optimizer.hyper.momentum !== undefined)
    optimizer.hyper.momentum = momentum;
}
