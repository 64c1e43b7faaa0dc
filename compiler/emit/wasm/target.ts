// The wasm target: the same layer planning as gpu.js (one descriptor per kernel call), then one
// generated WebAssembly function per call instead of a gpu.js kernel. Layers without a generator
// are CNN4002 diagnostics at their source line.
import { gpujsTarget } from '../gpujs-target.js';
import type { Target } from '../target.js';
import { lookupLayer } from '../../layers/registry.js';
import { forwardKernel } from './kernels.js';

/** The wasm target over `cnnc/runtime/wasm`. */
export const wasmTarget: Target = {
  name: 'wasm',
  runtimeModule: 'cnnc/runtime/wasm',
  planLayer(ctx) {
    const declared = lookupLayer(ctx.node.op)?.unsupportedOn?.wasm;
    if (declared) return { kind: 'unsupported', reason: declared };
    const plan = gpujsTarget.planLayer(ctx);
    if (plan.kind !== 'kernels') return plan;
    const missing = plan.calls.find((call) => !forwardKernel(call.factory));
    if (missing)
      return {
        kind: 'unsupported',
        reason: `it has no WebAssembly kernel yet (\`${missing.factory}\`); build it with \`--target gpujs\``,
      };
    return plan;
  },
};
