// The optimizer step of the wasm target: runtime/optim's optimizers (same options, same state,
// bit-identical updates) whose parameters, gradients and slots live in the training module's
// memory, updated in place by the functions cnnc generates there (compiler/emit/wasm/optimizer.ts).
// After each update the module repacks the weights its kernels read from the updated plain
// copies, and the host copies those into the parameter store (a copy per parameter, no
// allocation once warm), which the inference module repacks from before its next forward.
import {
  adagradSettings,
  adamSettings,
  rmspropSettings,
  sgdSettings,
  type Optimizer,
  type OptimizerSpec,
  type OptimizerState,
  type ScheduledHyper,
} from '../optim/index.js';
import type { WasmModelRuntime } from './model.js';
import { pack, packedLength, type Packing } from './pack.js';

/** What the training module's layout says about the optimizer (byte addresses). */
export interface WasmOptimizerSpec {
  /** Trainable parameters: plain copy (`master`), gradient, and three slot tensors each. */
  params: readonly {
    name: string;
    length: number;
    master: number;
    gradient: number;
    slots: readonly number[];
  }[];
  /** Byte ranges of the three slot regions (slot `k` of every parameter in region `k`). */
  slotRegions: readonly { start: number; end: number }[];
}

/** The weight slots of the training module (to find the ones the host repacks). */
type WeightSlots = readonly { name: string; offset: number; packing: Packing }[];

/**
 * The training module's memory as the optimizers of one model share it: which slot regions may
 * hold values, the move of those to a new memory (a larger batch lays out a new one), the repack
 * and the copy back to the parameter store after an update.
 */
export interface OptimizerMemory {
  /** Points at `runtime`'s current memory (carrying the slots over) and the parameter store. */
  attach(runtime: WasmModelRuntime, values: Map<string, Float32Array>): void;
  /** The current memory's floats; throws before the first training step laid it out. */
  heap(): Float32Array;
  /** Parameters in the trainer's order: their addresses and lengths. */
  readonly params: WasmOptimizerSpec['params'];
  /** Zeroes the slot regions `[0, count)` that may hold values, then marks them in use. */
  claim(count: number): void;
  /** Calls the module's export `name`. */
  call(name: string, ...args: number[]): void;
  /** Repacks the module's weights from the updated plain copies and copies them to the store. */
  finish(): void;
}

/**
 * The optimizer memory of a training module whose trainable parameters are `names` (the
 * trainer's order), or null when its layout does not cover exactly those parameters (then the
 * optimizers of runtime/optim run on the host).
 */
export function createOptimizerMemory(
  layout: WasmOptimizerSpec | undefined,
  weights: WeightSlots,
  names: readonly string[],
  lengthOf: (name: string) => number,
  moduleRepacked: readonly number[],
): OptimizerMemory | null {
  if (!layout || layout.params.length !== names.length) return null;
  const params = names.map((name) => layout.params.find((param) => param.name === name));
  if (params.some((param, idx) => !param || param.length !== lengthOf(names[idx]))) return null;
  const ordered = params as WasmOptimizerSpec['params'][number][];
  const hostPacked = ordered.flatMap((param) =>
    weights
      // Every other slot of the parameter that the module's `opt_repack` does not rebuild (the
      // Winograd transforms): by address, so that a new packing kind cannot be left stale.
      .filter(
        (slot) =>
          slot.name === param.name &&
          slot.offset !== param.master &&
          !moduleRepacked.includes(slot.offset),
      )
      .map((slot) => ({ param, slot })),
  );
  let runtime: WasmModelRuntime | undefined;
  let store: Map<string, Float32Array> | undefined;
  let buffer: ArrayBufferLike | undefined;
  let floats: Float32Array | undefined;
  let masters: Float32Array[] = [];
  let packed: Float32Array[] = [];
  const inUse = layout.slotRegions.map(() => false);
  const region = (k: number, on: Float32Array) => {
    const { start, end } = layout.slotRegions[k];
    return on.subarray(start / 4, end / 4);
  };
  const heap = () => {
    if (!floats) throw new Error('internal error: the optimizer ran before the training module');
    return floats;
  };
  return {
    params: ordered,
    attach(next, values) {
      runtime = next;
      store = values;
      const now = next.at(0, 0).buffer;
      if (now === buffer) return;
      const fresh = new Float32Array(now);
      // The new memory's weights are packed from the store; the slots move over.
      if (floats) inUse.forEach((used, k) => used && region(k, fresh).set(region(k, heap())));
      buffer = now;
      floats = fresh;
      masters = ordered.map((param) =>
        fresh.subarray(param.master / 4, param.master / 4 + param.length),
      );
      packed = hostPacked.map(({ slot }) =>
        fresh.subarray(slot.offset / 4, slot.offset / 4 + packedLength(slot.packing)),
      );
    },
    heap,
    claim(count) {
      for (let k = 0; k < count; k++) {
        if (inUse[k]) region(k, heap()).fill(0);
        inUse[k] = true;
      }
    },
    call(name, ...args) {
      (runtime as WasmModelRuntime).exported(name)(...args);
    },
    finish() {
      (runtime as WasmModelRuntime).exported('opt_repack')();
      hostPacked.forEach(({ param, slot }, idx) =>
        pack(masters[ordered.indexOf(param)], slot.packing, packed[idx]),
      );
      ordered.forEach((param, idx) => {
        const value = store?.get(param.name);
        if (!value) throw new Error(`internal error: no parameter \`${param.name}\``);
        value.set(masters[idx]);
      });
    },
  };
}

/** Slot names of each optimizer, as runtime/optim's state names them (slot `k` in region `k`). */
function slotNames(spec: OptimizerSpec): string[] {
  switch (spec.kind) {
    case 'sgd':
      return ['momentum_buffer'];
    case 'adam':
    case 'adamw':
      return adamSettings(spec.kind, spec).slots;
    case 'rmsprop':
      return ['square_avg', 'grad_avg', 'momentum_buffer'];
    case 'adagrad':
      return ['sum'];
  }
}

/**
 * The optimizer `spec` on the training module's memory: the options, hyper-parameters, state and
 * checkpoints of runtime/optim's, and `stepInPlace` instead of `step`.
 */
export function createWasmOptimizer(spec: OptimizerSpec, memory: OptimizerMemory): Optimizer {
  const names = slotNames(spec);
  const update = updater(spec);
  const hyper: ScheduledHyper =
    update.momentum === undefined ? { lr: spec.lr } : { lr: spec.lr, momentum: update.momentum };
  let step = 0;
  /** Whether the slots hold this optimizer's values (else they are zero at the next step). */
  let allocated = false;
  /** A loaded state not yet written to the memory. */
  let pending: Record<string, Float32Array[]> | null = null;
  const copy = (slots: Record<string, Float32Array[]>) =>
    Object.fromEntries(Object.entries(slots).map(([n, list]) => [n, list.map((s) => s.slice())]));
  const optimizer: Optimizer = {
    kind: spec.kind,
    hyper,
    step() {
      throw new Error(
        "the wasm target's optimizer updates the training module's memory; call trainStep",
      );
    },
    stepInPlace() {
      if (pending) {
        memory.claim(names.length);
        const heap = memory.heap();
        names.forEach((name, k) =>
          memory.params.forEach((param, p) =>
            heap.set((pending as Record<string, Float32Array[]>)[name][p], param.slots[k] / 4),
          ),
        );
        pending = null;
      } else if (!allocated) memory.claim(names.length);
      allocated = true;
      step++;
      update.run(memory, hyper, step);
      memory.finish();
    },
    state(): OptimizerState {
      if (pending) return { kind: spec.kind, step, slots: copy(pending) };
      if (!allocated) return { kind: spec.kind, step, slots: {} };
      const heap = memory.heap();
      const slots = Object.fromEntries(
        names.map((name, k) => [
          name,
          memory.params.map((param) =>
            heap.slice(param.slots[k] / 4, param.slots[k] / 4 + param.length),
          ),
        ]),
      );
      return { kind: spec.kind, step, slots };
    },
    loadState(state) {
      if (state.kind !== spec.kind)
        throw new Error(`optimizer state is for ${state.kind}, not ${spec.kind}`);
      const entries = Object.entries(state.slots);
      if (entries.length > 0) {
        const given = entries.map(([name]) => name).sort();
        if (given.join() !== [...names].sort().join())
          throw new Error(
            `optimizer state has slots ${given.join(', ')}; ${spec.kind} here keeps ${names.join(', ')}`,
          );
        for (const [name, list] of entries)
          if (
            list.length !== memory.params.length ||
            list.some((slot, p) => slot.length !== memory.params[p].length)
          )
            throw new Error(
              `optimizer state slot \`${name}\` does not fit this model's ${memory.params.length} parameters`,
            );
      }
      step = state.step;
      pending = entries.length > 0 ? copy(state.slots) : null;
      allocated = pending !== null;
    },
  };
  return optimizer;
}

/** The module call of one optimizer kind, with runtime/optim's per-step arithmetic on the host. */
function updater(spec: OptimizerSpec): {
  momentum: number | undefined;
  run(memory: OptimizerMemory, hyper: ScheduledHyper, step: number): void;
} {
  switch (spec.kind) {
    case 'sgd': {
      const { momentum, dampening, nesterov, weightDecay } = sgdSettings(spec);
      return {
        momentum,
        run(memory, hyper, step) {
          const mu = hyper.momentum ?? 0;
          const flags = [step === 1, mu !== 0, nesterov].map(Number);
          memory.call('opt_sgd', hyper.lr, weightDecay, mu, 1 - dampening, ...flags);
        },
      };
    }
    case 'adam':
    case 'adamw': {
      const { beta1, beta2, eps, amsgrad, l2, decoupled } = adamSettings(spec.kind, spec);
      return {
        momentum: beta1,
        run(memory, hyper, step) {
          const b1 = hyper.momentum ?? 0.9;
          memory.call(
            'opt_adam',
            b1,
            1 - b1,
            beta2,
            1 - beta2,
            hyper.lr / (1 - b1 ** step),
            Math.sqrt(1 - beta2 ** step),
            eps,
            l2,
            1 - hyper.lr * decoupled,
            Number(decoupled !== 0),
            Number(amsgrad),
          );
        },
      };
    }
    case 'rmsprop': {
      const { alpha, eps, weightDecay, centered, momentum } = rmspropSettings(spec);
      return {
        momentum,
        run(memory, hyper, _step) {
          const mu = hyper.momentum ?? 0;
          memory.call(
            'opt_rmsprop',
            hyper.lr,
            alpha,
            1 - alpha,
            eps,
            weightDecay,
            mu,
            Number(centered),
            Number(mu > 0),
          );
        },
      };
    }
    case 'adagrad': {
      const { eps, weightDecay, lrDecay, initialAccumulatorValue } = adagradSettings(spec);
      return {
        momentum: undefined,
        run(memory, hyper, step) {
          if (step === 1 && initialAccumulatorValue !== 0) {
            const heap = memory.heap();
            for (const param of memory.params)
              heap.fill(
                initialAccumulatorValue,
                param.slots[0] / 4,
                param.slots[0] / 4 + param.length,
              );
          }
          memory.call('opt_adagrad', hyper.lr / (1 + (step - 1) * lrDecay), eps, weightDecay);
        },
      };
    }
  }
}
