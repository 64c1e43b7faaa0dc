// Adagrad exactly as PyTorch's `torch.optim.Adagrad`.
import { createSlots, type Optimizer } from './optimizer.js';

/** Hyper-parameters of {@link adagrad} (PyTorch's names and defaults). */
export interface AdagradOptions {
  lr: number;
  eps?: number;
  weightDecay?: number;
  lrDecay?: number;
  initialAccumulatorValue?: number;
}

/** `options` with PyTorch's defaults filled in. */
export function adagradSettings(options: AdagradOptions): Required<AdagradOptions> {
  const { eps = 1e-10, weightDecay = 0, lrDecay = 0, initialAccumulatorValue = 0 } = options;
  return { lr: options.lr, eps, weightDecay, lrDecay, initialAccumulatorValue };
}

/**
 * Adagrad as `torch.optim.Adagrad` (https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html):
 * ```
 * g ← g + λ·θ
 * clr ← lr / (1 + (t − 1)·lr_decay)
 * s ← s + g²                      (s starts at initial_accumulator_value)
 * θ ← θ − clr · g / (√s + ε)      (ε = 1e-10 by default)
 * ```
 */
export function adagrad(options: AdagradOptions): Optimizer {
  const { eps, weightDecay, lrDecay, initialAccumulatorValue } = adagradSettings(options);
  const hyper = { lr: options.lr };
  const slots = createSlots('adagrad', ['sum']);
  return {
    kind: 'adagrad',
    hyper,
    step(params, grads) {
      const { sum } = slots.advance(params, grads);
      if (slots.step === 1 && initialAccumulatorValue !== 0)
        sum.forEach((s) => s.fill(initialAccumulatorValue));
      const clr = hyper.lr / (1 + (slots.step - 1) * lrDecay);
      params.forEach((param, p) => {
        const accumulator = sum[p];
        for (let i = 0; i < param.length; i++) {
          const g = grads[p][i] + weightDecay * param[i];
          accumulator[i] = accumulator[i] + g * g;
          param[i] = param[i] - (clr * g) / (Math.sqrt(accumulator[i]) + eps);
        }
      });
    },
    state: slots.state,
    loadState: slots.load,
  };
}
