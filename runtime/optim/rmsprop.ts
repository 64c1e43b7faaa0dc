// RMSprop exactly as PyTorch's `torch.optim.RMSprop`.
import { createSlots, type Optimizer } from './optimizer.js';

/** Hyper-parameters of {@link rmsprop} (PyTorch's names and defaults). */
export interface RmspropOptions {
  lr: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
  centered?: boolean;
}

/** `options` with PyTorch's defaults filled in. */
export function rmspropSettings(options: RmspropOptions): Required<RmspropOptions> {
  const { alpha = 0.99, eps = 1e-8, weightDecay = 0, centered = false, momentum = 0 } = options;
  return { lr: options.lr, alpha, eps, weightDecay, centered, momentum };
}

/**
 * RMSprop as `torch.optim.RMSprop` (https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html):
 * ```
 * g ← g + λ·θ
 * v ← α·v + (1 − α)·g²
 * centered:  ḡ ← α·ḡ + (1 − α)·g;  d ← √(v − ḡ²) + ε      else  d ← √v + ε
 * μ > 0:     b ← μ·b + g/d;  θ ← θ − lr·b                    else  θ ← θ − lr·g/d
 * ```
 * Defaults α = 0.99, ε = 1e-8 (added outside the square root, as PyTorch).
 */
export function rmsprop(options: RmspropOptions): Optimizer {
  const { alpha, eps, weightDecay, centered, momentum } = rmspropSettings(options);
  const hyper = { lr: options.lr, momentum };
  const slots = createSlots('rmsprop', ['square_avg', 'grad_avg', 'momentum_buffer']);
  return {
    kind: 'rmsprop',
    hyper,
    step(params, grads) {
      const state = slots.advance(params, grads);
      const mu = hyper.momentum ?? 0;
      params.forEach((param, p) => {
        const [square, average, buffer] = [
          state.square_avg[p],
          state.grad_avg[p],
          state.momentum_buffer[p],
        ];
        for (let i = 0; i < param.length; i++) {
          const g = grads[p][i] + weightDecay * param[i];
          square[i] = alpha * square[i] + (1 - alpha) * g * g;
          let denominator: number;
          if (centered) {
            average[i] = alpha * average[i] + (1 - alpha) * g;
            denominator = Math.sqrt(square[i] - average[i] * average[i]) + eps;
          } else {
            denominator = Math.sqrt(square[i]) + eps;
          }
          if (mu > 0) {
            buffer[i] = mu * buffer[i] + g / denominator;
            param[i] = param[i] - hyper.lr * buffer[i];
          } else {
            param[i] = param[i] - (hyper.lr * g) / denominator;
          }
        }
      });
    },
    state: slots.state,
    loadState: slots.load,
  };
}
