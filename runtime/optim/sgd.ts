// Stochastic gradient descent exactly as PyTorch's `torch.optim.SGD`.
import { createSlots, type Optimizer } from './optimizer.js';

/** Hyper-parameters of {@link sgd} (PyTorch's names and defaults). */
export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** `options` with PyTorch's defaults filled in; throws on a Nesterov PyTorch refuses. */
export function sgdSettings(options: SgdOptions): Required<SgdOptions> {
  const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = options;
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new Error('sgd: nesterov needs a positive momentum and zero dampening (as PyTorch)');
  }
  return { lr: options.lr, momentum, dampening, nesterov, weightDecay };
}

/**
 * SGD as `torch.optim.SGD` (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html):
 * ```
 * g ← g + λ·θ                                    (weight_decay λ)
 * if μ ≠ 0:  b ← g at the first step, else b ← μ·b + (1 − τ)·g   (dampening τ)
 *            g ← g + μ·b if nesterov, else g ← b
 * θ ← θ − lr·g
 * ```
 * Nesterov is PyTorch's reformulation of "look ahead along the velocity, then take the gradient".
 * Each element is computed in float64 and stored as float32.
 */
export function sgd(options: SgdOptions): Optimizer {
  const { momentum, dampening, nesterov, weightDecay } = sgdSettings(options);
  const hyper = { lr: options.lr, momentum };
  const slots = createSlots('sgd', ['momentum_buffer']);
  return {
    kind: 'sgd',
    hyper,
    step(params, grads) {
      const { momentum_buffer: buffers } = slots.advance(params, grads);
      const first = slots.step === 1;
      const mu = hyper.momentum ?? 0;
      params.forEach((param, p) => {
        const grad = grads[p];
        const buffer = buffers[p];
        for (let i = 0; i < param.length; i++) {
          let g = grad[i] + weightDecay * param[i];
          if (mu !== 0) {
            buffer[i] = first ? g : mu * buffer[i] + (1 - dampening) * g;
            g = nesterov ? g + mu * buffer[i] : buffer[i];
          }
          param[i] = param[i] - hyper.lr * g;
        }
      });
    },
    state: slots.state,
    loadState: slots.load,
  };
}
