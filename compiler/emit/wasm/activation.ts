// Activations as WebAssembly: a scalar form for every activation of LANGUAGE.md §5 and an f32x4
// form for the piecewise-linear ones. Transcendental functions call the module's imported
// `Math.exp`/`Math.tanh` in float64 (the runtime passes them in), so they round once, to float32.
import type { Literal, LiteralRecord } from '../target.js';
import { hasTrait } from '../../layers/registry.js';
import { f32, f64 } from './wat.js';

/** One activation step with its resolved `alpha`. */
export interface ActivationStep {
  kind: string;
  alpha: number;
}

/** The activation steps of a descriptor: its `activation` field, or `steps`/`kind` of a chain. */
export function activationSteps(descriptor: LiteralRecord): ActivationStep[] {
  const resolve = (value: Literal): ActivationStep => {
    const record = value as LiteralRecord;
    const kind = String(record.kind);
    const alpha =
      typeof record.alpha === 'number' ? record.alpha : kind === 'leaky_relu' ? 0.01 : 1;
    return { kind, alpha };
  };
  if (Array.isArray(descriptor.steps)) return descriptor.steps.map(resolve);
  if (descriptor.activation) return [resolve(descriptor.activation)];
  return [];
}

/**
 * Whether every step has an f32x4 form (else the kernel applies them lane by lane): the layer
 * spec's question, activations that need no `exp`, `tanh` or `erf`.
 */
export function vectorizable(steps: readonly ActivationStep[]): boolean {
  return steps.every((step) => !hasTrait(step.kind, 'transcendental'));
}

/** `f64 → f64` of a float32 expression, demoted back. */
function viaF64(value: string, body: (x: string) => string): string {
  return `(f32.demote_f64 ${body(`(f64.promote_f32 ${value})`)})`;
}

/**
 * The statements that apply `steps` to the f32 local `$name` in place (scalar). `$name` is read
 * several times, so it must be a local.
 */
export function scalarActivation(steps: readonly ActivationStep[], name: string): string {
  const v = `(local.get $${name})`;
  const assign = (expr: string) => `(local.set $${name} ${expr})`;
  return steps
    .map((step) => {
      switch (step.kind) {
        case 'identity':
          return '';
        case 'relu':
          // `v < 0 ? 0 : v`, so NaN stays NaN as in PyTorch (a NaN input must reach the loss).
          return assign(`(select ${f32(0)} ${v} (f32.lt ${v} ${f32(0)}))`);
        case 'relu6':
          return assign(`(f32.min (f32.max ${v} ${f32(0)}) ${f32(6)})`);
        case 'leaky_relu':
          return assign(`(select ${v} (f32.mul ${f32(step.alpha)} ${v}) (f32.ge ${v} ${f32(0)}))`);
        case 'elu':
          return assign(
            `(select ${v} ${viaF64(v, (x) => `(f64.mul ${f64(step.alpha)} (f64.sub (call $exp ${x}) ${f64(1)}))`)} (f32.gt ${v} ${f32(0)}))`,
          );
        case 'sigmoid':
          return assign(
            viaF64(v, (x) => `(f64.div ${f64(1)} (f64.add ${f64(1)} (call $exp (f64.neg ${x}))))`),
          );
        case 'tanh':
          return assign(viaF64(v, (x) => `(call $tanh ${x})`));
        case 'gelu':
          return assign(viaF64(v, (x) => `(call $gelu ${x})`));
        case 'silu':
          return assign(
            viaF64(v, (x) => `(f64.div ${x} (f64.add ${f64(1)} (call $exp (f64.neg ${x}))))`),
          );
        case 'hardswish':
          return assign(
            `(f32.div (f32.mul ${v} (f32.min (f32.max (f32.add ${v} ${f32(3)}) ${f32(0)}) ${f32(6)})) ${f32(6)})`,
          );
      }
      throw new Error(`internal error: activation ${step.kind}`);
    })
    .join('\n');
}

/** The f32x4 form of `steps` (all {@link vectorizable}) applied to the v128 local `$name`. */
export function vectorActivation(steps: readonly ActivationStep[], name: string): string {
  const v = `(local.get $${name})`;
  const assign = (expr: string) => `(local.set $${name} ${expr})`;
  const splat = (value: number) => `(f32x4.splat ${f32(value)})`;
  return steps
    .map((step) => {
      switch (step.kind) {
        case 'identity':
          return '';
        case 'relu':
          // pmax(v, 0) is `v < 0 ? 0 : v`: one maxps, and NaN stays NaN as in PyTorch
          // (pmax(0, v) would turn a NaN input into 0 and hide it from the non-finite check).
          return assign(`(f32x4.pmax ${v} ${splat(0)})`);
        case 'relu6':
          // pmin(a, 6) is `6 < a ? 6 : a`: NaN stays NaN.
          return assign(`(f32x4.pmin (f32x4.pmax ${v} ${splat(0)}) ${splat(6)})`);
        case 'leaky_relu':
          return assign(
            `(v128.bitselect ${v} (f32x4.mul ${splat(step.alpha)} ${v}) (f32x4.ge ${v} ${splat(0)}))`,
          );
        case 'hardswish':
          return assign(
            `(f32x4.div (f32x4.mul ${v} (f32x4.pmin (f32x4.pmax (f32x4.add ${v} ${splat(3)}) ${splat(0)}) ${splat(6)})) ${splat(6)})`,
          );
      }
      throw new Error(`internal error: no vector form of ${step.kind}`);
    })
    .join('\n');
}

/**
 * Helper functions every module carries: GELU through erf (Abramowitz & Stegun 7.1.26, absolute
 * error below 1.5e-7), in float64.
 */
export const ACTIVATION_HELPERS = `
(func $gelu (param $x f64) (result f64) (local $ax f64) (local $t f64) (local $p f64) (local $e f64)
  (local.set $ax (f64.abs (f64.mul (local.get $x) ${f64(Math.SQRT1_2)})))
  (local.set $t (f64.div ${f64(1)} (f64.add ${f64(1)} (f64.mul ${f64(0.3275911)} (local.get $ax)))))
  (local.set $p (f64.mul (local.get $t) ${f64(1.061405429)}))
  (local.set $p (f64.mul (local.get $t) (f64.add (local.get $p) ${f64(-1.453152027)})))
  (local.set $p (f64.mul (local.get $t) (f64.add (local.get $p) ${f64(1.421413741)})))
  (local.set $p (f64.mul (local.get $t) (f64.add (local.get $p) ${f64(-0.284496736)})))
  (local.set $p (f64.mul (local.get $t) (f64.add (local.get $p) ${f64(0.254829592)})))
  (local.set $e (f64.sub ${f64(1)}
    (f64.mul (local.get $p) (call $exp (f64.neg (f64.mul (local.get $ax) (local.get $ax)))))))
  (if (f64.lt (local.get $x) ${f64(0)}) (then (local.set $e (f64.neg (local.get $e)))))
  (f64.mul (f64.mul ${f64(0.5)} (local.get $x)) (f64.add ${f64(1)} (local.get $e))))
`;
