// The shape every optimizer shares: a step over parallel lists of parameters and gradients, in
// place, and a state of plain `Float32Array` slots plus a step counter that checkpoints serialise.
// Optimizers run on the host: updates are elementwise and memory-bound, so a Float32Array loop is
// as fast as a kernel launch plus readback on webasm, and it is bit-for-bit deterministic. The
// wasm target runs the same updates in its training module (runtime/wasm/optimizer.ts, through
// `stepInPlace`); these stay its reference.

/** Everything an optimizer remembers: slot tensors (one per parameter, by slot name) and the step. */
export interface OptimizerState {
  kind: string;
  /** Number of `step` calls so far (PyTorch's `state['step']`, the same for every parameter). */
  step: number;
  /** e.g. `{ exp_avg: [...], exp_avg_sq: [...] }`, each list parallel to the parameters. */
  slots: Record<string, Float32Array[]>;
}

/** Hyper-parameters a schedule may change between steps. */
export interface ScheduledHyper {
  lr: number;
  /** SGD/RMSprop momentum, or Adam's β1 (what PyTorch's OneCycleLR cycles). */
  momentum?: number;
}

/** An optimizer over a fixed list of parameter tensors. */
export interface Optimizer {
  readonly kind: string;
  /** The current learning rate and momentum; schedules assign them (see `applySchedule`). */
  readonly hyper: ScheduledHyper;
  /** Updates `params` in place from `grads` (parallel lists of equal-length flat tensors). */
  step(params: readonly Float32Array[], grads: readonly Float32Array[]): void;
  /**
   * A target's optimizer whose parameters, gradients and slots live in the target's memory (the
   * wasm target's training module) has this instead of a usable `step`: one update there, from
   * the gradients of the last backward. The trainer calls it when present.
   */
  stepInPlace?(): void;
  /** A deep copy of the state, for checkpoints. */
  state(): OptimizerState;
  /** Restores a state from {@link Optimizer.state}; throws if it belongs to another optimizer or model. */
  loadState(state: OptimizerState): void;
}

/**
 * The per-parameter slots of an optimizer, allocated (zero-filled, or by `init`) at the first step
 * as PyTorch does lazily; with the step counter, the whole state.
 */
export function createSlots(kind: string, names: readonly string[]) {
  let slots: Record<string, Float32Array[]> | null = null;
  let step = 0;
  return {
    get step() {
      return step;
    },
    /** Advances the counter and returns the slots for `params`, allocating them on first use. */
    advance(params: readonly Float32Array[], grads: readonly Float32Array[]) {
      checkParallel(kind, params, grads);
      slots ??= Object.fromEntries(
        names.map((name) => [name, params.map((param) => new Float32Array(param.length))]),
      );
      step++;
      return slots;
    },
    state(): OptimizerState {
      const copy = Object.fromEntries(
        Object.entries(slots ?? {}).map(([name, list]) => [name, list.map((slot) => slot.slice())]),
      );
      return { kind, step, slots: copy };
    },
    load(state: OptimizerState) {
      if (state.kind !== kind) throw new Error(`optimizer state is for ${state.kind}, not ${kind}`);
      step = state.step;
      const entries = Object.entries(state.slots);
      slots = entries.length
        ? Object.fromEntries(entries.map(([n, l]) => [n, l.map((s) => s.slice())]))
        : null;
    },
  };
}

function checkParallel(
  kind: string,
  params: readonly Float32Array[],
  grads: readonly Float32Array[],
) {
  if (params.length !== grads.length) {
    throw new Error(`${kind}: ${params.length} parameters but ${grads.length} gradients`);
  }
  params.forEach((param, idx) => {
    if (param.length !== grads[idx].length) {
      throw new Error(
        `${kind}: parameter ${idx} has ${param.length} values, its gradient ${grads[idx].length}`,
      );
    }
  });
}
