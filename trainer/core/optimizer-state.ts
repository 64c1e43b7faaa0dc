// Moving the runtime optimizer's state in and out of a checkpoint: each slot tensor (one per
// parameter, e.g. Adam's `exp_avg`) becomes a named tensor `<slot>/<parameter>` with the
// parameter's shape, and the kind and step counter go into the checkpoint's `optimizer` JSON.
import type { NamedTensor } from '../../runtime/safetensors.js';
import type { OptimizerState } from '../../runtime/optim/optimizer.js';
import type { CheckpointState, JsonValue } from './checkpoint-format.js';
import { trainFail } from './errors.js';

/** A model parameter as the optimizer sees it: its name and shape, in the optimizer's order. */
export interface ParameterInfo {
  name: string;
  shape: number[];
}

/**
 * The checkpoint fields for `state`: `optimizerTensors` named `<slot>/<parameter>` and an
 * `optimizer` object `{ kind, step, slots, ...hyper }` (`hyper` holds, e.g., the current `lr`).
 */
export function packOptimizerState(
  state: OptimizerState,
  parameters: ParameterInfo[],
  hyper: { [key: string]: JsonValue } = {},
): Pick<CheckpointState, 'optimizer' | 'optimizerTensors'> {
  const optimizerTensors = new Map<string, NamedTensor>();
  const slotNames = Object.keys(state.slots);
  for (const slot of slotNames) {
    const list = state.slots[slot];
    if (list.length !== parameters.length) {
      trainFail(
        `optimizer slot \`${slot}\` has ${list.length} tensors for ${parameters.length} parameters`,
      );
    }
    parameters.forEach(({ name, shape }, idx) => {
      optimizerTensors.set(`${slot}/${name}`, { shape, data: list[idx] });
    });
  }
  return {
    optimizer: { ...hyper, kind: state.kind, step: state.step, slots: slotNames },
    optimizerTensors,
  };
}

/**
 * The runtime optimizer state stored in `checkpoint`, for `Optimizer.loadState`. Fails with a
 * one-line message when a slot tensor is missing or its size differs from the parameter's.
 */
export function unpackOptimizerState(
  checkpoint: Pick<CheckpointState, 'optimizer' | 'optimizerTensors'>,
  parameters: ParameterInfo[],
): OptimizerState {
  const { kind, step, slots } = checkpoint.optimizer;
  if (typeof kind !== 'string' || typeof step !== 'number' || !Array.isArray(slots)) {
    trainFail('checkpoint optimizer state needs `kind`, `step` and `slots`');
  }
  const unpacked: Record<string, Float32Array[]> = {};
  for (const slot of slots.map(String)) {
    unpacked[slot] = parameters.map(({ name, shape }) => {
      const tensor = checkpoint.optimizerTensors.get(`${slot}/${name}`);
      if (!tensor) return trainFail(`checkpoint has no optimizer tensor \`${slot}/${name}\``);
      const size = shape.reduce((acc, dim) => acc * dim, 1);
      if (tensor.data.length !== size) {
        trainFail(
          `optimizer tensor \`${slot}/${name}\` has ${tensor.data.length} values, ` +
            `the parameter [${shape.join(', ')}] has ${size}`,
        );
      }
      return tensor.data;
    });
  }
  return { kind, step, slots: unpacked };
}
