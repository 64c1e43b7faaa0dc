// A chain of elementwise activations in one pass (`sigmoid` then `relu` …), so that a run of
// elementwise layers launches one kernel instead of one per layer. At most four per kernel.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { ACTIVATION_HELPERS, activationConstants, applyActivation } from './activation.js';
import { expectPositive } from './conv-util.js';
import type { ElementwiseChainDescriptor } from '../../contract/descriptors.js';
export type { ElementwiseChainDescriptor } from '../../contract/descriptors.js';

/** The most activations one chain kernel applies. */
export const MAX_CHAIN = 4;

interface ChainConstants {
  op0: number;
  alpha0: number;
  op1: number;
  alpha1: number;
  op2: number;
  alpha2: number;
  op3: number;
  alpha3: number;
}

function chainKernel(this: KernelThis<ChainConstants>, x: number[]): number {
  let v = applyActivation(x[this.thread.x], this.constants.op0, this.constants.alpha0);
  v = applyActivation(v, this.constants.op1, this.constants.alpha1);
  v = applyActivation(v, this.constants.op2, this.constants.alpha2);
  return applyActivation(v, this.constants.op3, this.constants.alpha3);
}

/** Elementwise chain specialised on `desc`: `(input, batch) => output` of the same shape. */
export function elementwiseChain(
  backend: Backend,
  desc: ElementwiseChainDescriptor,
): LayerKernel<[Float32Array]> {
  expectPositive('elementwise chain', { features: desc.features });
  if (desc.steps.length < 1 || desc.steps.length > MAX_CHAIN)
    throw new Error(`elementwise chain: 1 to ${MAX_CHAIN} steps, found ${desc.steps.length}`);
  const constants: Record<string, number> = {};
  for (let idx = 0; idx < MAX_CHAIN; idx++) {
    const { activation, alpha } = activationConstants(desc.steps[idx]);
    constants[`op${idx}`] = activation;
    constants[`alpha${idx}`] = alpha;
  }
  const length = (batch: number) => batch * desc.features;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel('elementwise-chain', chainKernel, constants, length(batch), [
          ...ACTIVATION_HELPERS,
        ]),
        args: [0],
      },
    ],
    {},
    { what: 'elementwise chain', batched: [0], perSample: desc.features },
  );
}
