// The training half of a wasm model: a second WebAssembly module (the training forward, which keeps
// every value, then the backward, then the optimizer step) on its own memory, sharing the
// parameter store with the inference module. The loss runs here over Float32Arrays, exactly as on
// the gpu.js target (runtime/training.ts); the optimizer updates the parameters in place in the
// training module (./optimizer.ts), which repacks its weights there, and the inference module
// repacks from the store before its next forward.
import type { ParamSpec } from '../params.js';
import {
  createTrainer,
  type Evaluation,
  type StepOptions,
  type StepResult,
  type TrainingBase,
  type TrainOverrides,
  type TrainSpec,
} from '../training.js';
import {
  createWasmModel,
  type WasmCreateOptions,
  type WasmModelBase,
  type WasmModelRuntime,
  type WasmSpec,
} from './model.js';
import { createOptimizerMemory, createWasmOptimizer, type WasmOptimizerSpec } from './optimizer.js';

/** The training module a generated module embeds, with the layout of its memory. */
export interface WasmTrainSpec extends WasmSpec {
  /** Layer functions `[0, forwardLayers)` are the training forward; the rest the backward. */
  forwardLayers: number;
  /** Arena offset of the loss gradient (shaped like the first output). */
  lossGradient: number;
  /** Parameter gradients: constant addresses after the weights, plain layout. */
  gradients: readonly { name: string; offset: number; length: number }[];
  /** Training-mode BatchNorms: statistics per channel (mean, 1/√(var+ε), biased var) at `stats`. */
  batchnorms: readonly {
    mean: string;
    variance: string;
    stats: number;
    channels: number;
    spatial: number;
    momentum: number;
  }[];
  /** Dropout masks (arena offset, floats per sample, p), drawn in this order before each forward. */
  dropouts: readonly { offset: number; size: number; p: number }[];
  /**
   * The output of every step, `line:col op` first, for the non-finite check: complete after layer
   * functions `[0, after)` (a later step may reuse its bytes).
   */
  traced: readonly { label: string; after: number; offset: number; size: number }[];
  /** The optimizer step in the module (absent from modules generated before it). */
  optimizer?: WasmOptimizerSpec;
}

/** Options of a trainable wasm module's `create`. */
export interface WasmTrainCreateOptions extends WasmCreateOptions {
  /** Overrides of the model's `train` section (loss, optimizer, learning rate, schedule). */
  train?: TrainOverrides;
}

/** The training half, used by generated code. */
export interface WasmTraining {
  /** The inference forward, or the training forward in training mode. */
  forward(inputs: readonly Float32Array[], batch: number): Promise<Float32Array[]>;
  trainStep(
    inputs: readonly Float32Array[],
    labels: ArrayLike<number>,
    batch: number,
    options?: StepOptions,
  ): Promise<StepResult>;
  evaluate(
    inputs: readonly Float32Array[],
    labels: ArrayLike<number>,
    batch: number,
  ): Promise<Evaluation>;
  finish<Extra extends object>(extra: Extra): Extra & WasmModelBase & TrainingBase;
}

/**
 * Creates the training half of the model whose inference runtime is `runtime`; `spec` is null
 * when the model cannot train on this target (`unsupported` says why).
 */
export function createWasmTraining(
  runtime: WasmModelRuntime,
  options: WasmTrainCreateOptions,
  specs: readonly ParamSpec[],
  model: string,
  trainSpec: TrainSpec,
  spec: WasmTrainSpec | null,
  unsupported: string | null,
): WasmTraining {
  const trainable = specs
    .filter((p) => ['weight', 'bias', 'gamma', 'beta'].includes(p.role))
    .map((p) => p.name);
  const sizes = new Map(specs.map((p) => [p.name, p.shape.reduce((acc, dim) => acc * dim, 1)]));
  // The optimizer runs in the training module when its layout covers the trainable parameters.
  const optimizerMemory = createOptimizerMemory(
    spec?.optimizer,
    spec?.weights ?? [],
    trainable,
    (name) => sizes.get(name) ?? -1,
    spec?.repack?.slots ?? [],
  );
  const trainer = createTrainer(
    trainSpec,
    trainable,
    options.train,
    optimizerMemory ? (optimizer) => createWasmOptimizer(optimizer, optimizerMemory) : undefined,
  );
  const param = (name: string) => {
    const value = runtime.values.get(name);
    if (!value) throw new Error(`internal error: no parameter \`${name}\``);
    return value;
  };
  const noGradients: ReadonlyMap<string, Float32Array> = new Map();
  let training = false;
  let module: Promise<WasmModelRuntime> | undefined;
  const trainRuntime = () => {
    if (!spec) throw new Error(`cannot train on the wasm target: ${unsupported}`);
    // The same parameter store and the same worker threads as the inference runtime.
    module ??= createWasmModel(options, specs, [], model, spec, runtime.values, runtime.workers);
    return module;
  };
  /** Runs the training forward on the training module; returns it with the batch loaded. */
  const trainForward = async (inputs: readonly Float32Array[], batch: number) => {
    const train = await trainRuntime();
    const layout = spec as WasmTrainSpec;
    await train.load(inputs, batch);
    // The masks of gpu.js's dropoutTrain: one draw per unit over [batch, features], in flat order.
    for (const dropout of layout.dropouts) {
      const scale = 1 / (1 - dropout.p);
      for (let n = 0; n < batch; n++) {
        const mask = train.view(n, dropout.offset, dropout.size);
        for (let idx = 0; idx < dropout.size; idx++)
          mask[idx] = trainer.rng.next() < dropout.p ? 0 : scale;
      }
    }
    train.runLayers(0, layout.forwardLayers, batch);
    // Running statistics as PyTorch: (1 − m)·running + m·batch, the variance unbiased.
    for (const bn of layout.batchnorms) {
      const stats = train.at(bn.stats, 3 * bn.channels);
      const mean = runtime.values.get(bn.mean);
      const variance = runtime.values.get(bn.variance);
      if (!mean || !variance) throw new Error(`internal error: no buffer \`${bn.mean}\``);
      const count = batch * bn.spatial;
      const unbiased = count > 1 ? count / (count - 1) : 1;
      for (let c = 0; c < bn.channels; c++) {
        mean[c] = (1 - bn.momentum) * mean[c] + bn.momentum * stats[3 * c];
        variance[c] = (1 - bn.momentum) * variance[c] + bn.momentum * stats[3 * c + 2] * unbiased;
      }
    }
    if (layout.batchnorms.length > 0) runtime.invalidate();
    return train;
  };
  const checkAll = (inputs: readonly Float32Array[], batch: number) => {
    if (!Number.isInteger(batch) || batch < 1)
      throw new Error(`batch must be a positive integer, found ${batch}`);
    const list = spec?.inputs ?? [];
    list.forEach((input, idx) => {
      if (!(inputs[idx] instanceof Float32Array) || inputs[idx].length !== batch * input.size)
        throw new Error(
          `input \`${input.name}\` needs ${batch} × ${input.size} = ${batch * input.size} values, found ${inputs[idx]?.length}`,
        );
    });
  };

  return {
    async forward(inputs, batch) {
      if (!training) return runtime.run(inputs, batch);
      const train = await trainForward(inputs, batch);
      return train.read((spec as WasmTrainSpec).outputs, batch);
    },
    async trainStep(inputs, labels, batch, stepOptions = {}) {
      const layout = spec;
      if (!layout) throw new Error(`cannot train on the wasm target: ${unsupported}`);
      const train = await trainForward(inputs, batch);
      const [outputs] = train.read([layout.outputs[0]], batch);
      const { loss, gradient } = trainer.loss(outputs, labels, batch);
      if (!Number.isFinite(loss)) {
        // The arena reuses bytes within the step: run the forward again (same masks, same
        // weights, so the same values) and read each step's output right after its functions.
        let ran = 0;
        const values = layout.traced.map((value) => {
          train.runLayers(ran, value.after, batch);
          ran = value.after;
          return [value.label, train.read([value], batch)[0]] as const;
        });
        trainer.nonFinite(loss, values);
      }
      const size = layout.outputs[0].size;
      for (let n = 0; n < batch; n++)
        train.view(n, layout.lossGradient, size).set(gradient.subarray(n * size, (n + 1) * size));
      train.runLayers(layout.forwardLayers, layout.layers.length, batch);
      // The optimizer reads the gradients where the backward wrote them; they are copied only
      // when the caller asks for them (a view would change with the next step).
      const inPlace = optimizerMemory !== null && trainer.optimizer.stepInPlace !== undefined;
      let grads = noGradients;
      if (stepOptions.gradients || !inPlace) {
        const views = new Map<string, Float32Array>();
        for (const slot of layout.gradients) {
          const view = train.at(slot.offset, slot.length);
          views.set(slot.name, stepOptions.gradients ? view.slice() : view);
        }
        grads = views;
      }
      if (inPlace) optimizerMemory.attach(train, runtime.values);
      const lr = trainer.update(param, grads, stepOptions);
      // In place, the module repacked its own weights and copied them to the store.
      if (!inPlace) train.invalidate();
      runtime.invalidate();
      return { loss, outputs, lr, ...(stepOptions.gradients ? { gradients: grads } : {}) };
    },
    async evaluate(inputs, labels, batch) {
      checkAll(inputs, batch);
      const sizes = (spec?.inputs ?? []).map((input) => input.size);
      return trainer.evaluate(
        batch,
        labels,
        async (start, count) =>
          (
            await runtime.run(
              inputs.map((input, idx) =>
                input.subarray(start * sizes[idx], (start + count) * sizes[idx]),
              ),
              count,
            )
          )[0],
      );
    },
    finish(extra) {
      const base = runtime.finish(extra);
      const loadWeights = base.loadWeights;
      const dispose = base.dispose;
      const model = Object.assign(base, {
        loadWeights(bytes: Uint8Array, load?: Parameters<WasmModelBase['loadWeights']>[1]) {
          loadWeights(bytes, load);
          if (module) void module.then((train) => train.setValues(runtime.values));
        },
        async dispose() {
          await dispose();
          if (module) await (await module).finish({}).dispose();
        },
        train: () => void (training = true),
        eval: () => void (training = false),
        configureTraining: (overrides: TrainOverrides) => trainer.configure(overrides),
        optimizerState: () => ({ state: trainer.optimizer.state(), parameters: [...trainable] }),
        loadOptimizerState: (state: Parameters<TrainingBase['loadOptimizerState']>[0]) =>
          trainer.restore(state),
      });
      return Object.defineProperties(model, {
        training: { get: () => training, enumerable: true },
        optimizer: { get: () => trainer.optimizer, enumerable: true },
        step: { get: () => trainer.step, enumerable: true },
      }) as typeof model & TrainingBase;
    },
  };
}
