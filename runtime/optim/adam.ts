// Adam and AdamW exactly as PyTorch's `torch.optim.Adam` and `torch.optim.AdamW`.
import { createSlots, type Optimizer } from './optimizer.js';

/** Hyper-parameters of {@link adam} and {@link adamw} (PyTorch's names and defaults). */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
  amsgrad?: boolean;
}

/**
 * Adam as `torch.optim.Adam` (https://pytorch.org/docs/stable/generated/torch.optim.Adam.html):
 * ```
 * g ← g + λ·θ
 * m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²       (v̂max ← max(v̂max, v) with amsgrad)
 * θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * ```
 */
export function adam(options: AdamOptions): Optimizer {
  return adamFamily('adam', options);
}

/**
 * AdamW as `torch.optim.AdamW` (https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html):
 * first the decoupled decay `θ ← θ·(1 − lr·λ)` (λ = 1e-2 by default), then Adam's update without
 * the L2 term.
 */
export function adamw(options: AdamOptions): Optimizer {
  return adamFamily('adamw', options);
}

/** What Adam and AdamW do with `options` (PyTorch's defaults filled in): L2 or decoupled decay. */
export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  amsgrad: boolean;
  /** The L2 penalty added to the gradient (Adam). */
  l2: number;
  /** The decoupled decay (AdamW). */
  decoupled: number;
  slots: string[];
}

/** The settings of `adam` (`kind` 'adam') or `adamw` for `options`. */
export function adamSettings(kind: 'adam' | 'adamw', options: AdamOptions): AdamSettings {
  const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, amsgrad = false } = options;
  const l2 = kind === 'adam' ? (options.weightDecay ?? 0) : 0;
  const decoupled = kind === 'adamw' ? (options.weightDecay ?? 1e-2) : 0;
  const slots = amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  return { beta1, beta2, eps, amsgrad, l2, decoupled, slots };
}

function adamFamily(kind: 'adam' | 'adamw', options: AdamOptions): Optimizer {
  const {
    beta1: firstBeta1,
    beta2,
    eps,
    amsgrad,
    l2,
    decoupled,
    slots: names,
  } = adamSettings(kind, options);
  const hyper = { lr: options.lr, momentum: firstBeta1 };
  const slots = createSlots(kind, names);
  return {
    kind,
    hyper,
    step(params, grads) {
      const state = slots.advance(params, grads);
      const beta1 = hyper.momentum ?? 0.9;
      const stepSize = hyper.lr / (1 - beta1 ** slots.step);
      const correction2 = Math.sqrt(1 - beta2 ** slots.step);
      params.forEach((param, p) => {
        const [m, v] = [state.exp_avg[p], state.exp_avg_sq[p]];
        const vMax = amsgrad ? state.max_exp_avg_sq[p] : v;
        for (let i = 0; i < param.length; i++) {
          if (decoupled !== 0) param[i] = param[i] * (1 - hyper.lr * decoupled);
          const g = grads[p][i] + l2 * param[i];
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          if (amsgrad) vMax[i] = Math.max(vMax[i], v[i]);
          const denominator = Math.sqrt(vMax[i]) / correction2 + eps;
          param[i] = param[i] - (stepSize * m[i]) / denominator;
        }
      });
    },
    state: slots.state,
    loadState: slots.load,
  };
}
