// Memory-bound backwards, one unit per sample: activations (from the saved input), pooling
// (max: the first maximum of each window, as PyTorch; avg: spread over the window), `add` (the
// gradient copied to each input) and the sum of a fan-out's gradients.
import type { KernelCall } from '../../target.js';
import { activationSteps, type ActivationStep } from '../activation.js';
import { num, perSample, type GeneratedKernel, type KernelEnv } from '../kernel.js';
import {
  add,
  addConst,
  f32,
  f64,
  forLoop,
  get,
  i32,
  ifThen,
  Labels,
  load,
  mulConst,
  set,
  store,
} from '../wat.js';
import type { BackwardGenerator, BackwardValues } from './common.js';
import {
  adaptiveWindowCode,
  avgDivisor,
  clippedSize,
  planeOutputs,
  planes,
  poolWindowCode,
  streamKernel,
  WINDOW_LOCALS,
  SUM,
  type ElementOp,
} from '../simple.js';
import { hasTrait } from '../../../layers/registry.js';

/** The activation of an `activation`/`elementwiseChain` call, if it is one step (training plans do not chain). */
export function activationBackwardStep(call: KernelCall): ActivationStep | null {
  const steps = activationSteps(
    call.factory === 'elementwiseChain' ? call.descriptor : { activation: call.descriptor },
  );
  return steps.length === 1 ? steps[0] : null;
}

/**
 * `dy · f'(x)` for scalar f32 locals `$x`, `$dy`, as PyTorch's backward formulas (hardswish:
 * `x < −3 → 0`, `x ≤ 3 → dy·(x/3 + ½)`, else `dy`; elu: `dy·α·eˣ` for `x ≤ 0`; silu:
 * `dy·s·(1 + x·(1 − s))`; gelu: `dy·(Φ(x) + x·φ(x))`).
 */
function scalarGrad(step: ActivationStep): string {
  const x = '(local.get $x)';
  const dy = '(local.get $dy)';
  const viaF64 = (body: (x64: string) => string) =>
    `(f32.demote_f64 (f64.mul (f64.promote_f32 ${dy}) ${body(`(f64.promote_f32 ${x})`)}))`;
  switch (step.kind) {
    case 'identity':
      return dy;
    case 'relu':
      return `(select ${dy} ${f32(0)} (f32.gt ${x} ${f32(0)}))`;
    case 'relu6':
      return `(select ${dy} ${f32(0)} (i32.and (f32.gt ${x} ${f32(0)}) (f32.lt ${x} ${f32(6)})))`;
    case 'leaky_relu':
      return `(select ${dy} (f32.mul ${dy} ${f32(step.alpha)}) (f32.gt ${x} ${f32(0)}))`;
    case 'sigmoid': {
      const s = `(f64.div ${f64(1)} (f64.add ${f64(1)} (call $exp (f64.neg (f64.promote_f32 ${x})))))`;
      return `(f32.demote_f64 (f64.mul (f64.promote_f32 ${dy}) (call $sigmoidGrad ${s})))`;
    }
    case 'tanh':
      return `(f32.demote_f64 (f64.mul (f64.promote_f32 ${dy}) (call $tanhGrad (call $tanh (f64.promote_f32 ${x})))))`;
    case 'hardswish':
      return `(select ${f32(0)} (select ${dy} (f32.mul ${dy} (f32.add (f32.div ${x} ${f32(3)}) ${f32(0.5)})) (f32.gt ${x} ${f32(3)})) (f32.lt ${x} ${f32(-3)}))`;
    case 'elu':
      return `(select ${dy} ${viaF64((x64) => `(f64.mul ${f64(step.alpha)} (call $exp ${x64}))`)} (f32.gt ${x} ${f32(0)}))`;
    case 'silu':
      return viaF64((x64) => `(call $siluGrad ${x64})`);
    case 'gelu':
      return viaF64((x64) => `(call $geluGrad ${x64})`);
    default:
      throw new Error(`internal error: no wasm backward for activation ${step.kind}`);
  }
}

/** `dy · f'(x)` for v128 locals `$vx`, `$vdy`. */
function vectorGrad(step: ActivationStep): string {
  const x = '(local.get $vx)';
  const dy = '(local.get $vdy)';
  const zero = '(v128.const i32x4 0 0 0 0)';
  const splat = (value: number) => `(f32x4.splat ${f32(value)})`;
  switch (step.kind) {
    case 'identity':
      return dy;
    case 'relu':
      return `(v128.and ${dy} (f32x4.gt ${x} ${zero}))`;
    case 'leaky_relu':
      return `(v128.bitselect ${dy} (f32x4.mul ${dy} (f32x4.splat ${f32(step.alpha)})) (f32x4.gt ${x} ${zero}))`;
    case 'relu6':
      return `(v128.and ${dy} (v128.and (f32x4.gt ${x} ${zero}) (f32x4.lt ${x} ${splat(6)})))`;
    case 'hardswish':
      return `(v128.andnot (v128.bitselect ${dy} (f32x4.mul ${dy} (f32x4.add (f32x4.div ${x} ${splat(3)}) ${splat(0.5)})) (f32x4.gt ${x} ${splat(3)})) (f32x4.lt ${x} ${splat(-3)}))`;
    default:
      throw new Error(`internal error: no f32x4 backward for activation ${step.kind}`);
  }
}

/**
 * Helpers the activation backwards call, in float64: `s·(1 − s)`, `1 − t²`, silu's
 * `s·(1 + x·(1 − s))` and gelu's `Φ(x) + x·φ(x)` (Φ from the forward's `$gelu` = x·Φ(x)).
 */
export const BACKWARD_HELPERS = `(func $sigmoidGrad (param $s f64) (result f64) (f64.mul (local.get $s) (f64.sub (f64.const 1) (local.get $s))))
(func $tanhGrad (param $t f64) (result f64) (f64.sub (f64.const 1) (f64.mul (local.get $t) (local.get $t))))
(func $siluGrad (param $x f64) (result f64) (local $s f64)
  (local.set $s (f64.div ${f64(1)} (f64.add ${f64(1)} (call $exp (f64.neg (local.get $x))))))
  (f64.mul (local.get $s) (f64.add ${f64(1)} (f64.mul (local.get $x) (f64.sub ${f64(1)} (local.get $s))))))
(func $geluGrad (param $x f64) (result f64)
  (f64.add
    (if (result f64) (f64.eq (local.get $x) ${f64(0)}) (then ${f64(0.5)}) (else (f64.div (call $gelu (local.get $x)) (local.get $x))))
    (f64.mul (local.get $x) (f64.mul ${f64(1 / Math.sqrt(2 * Math.PI))} (call $exp (f64.mul ${f64(-0.5)} (f64.mul (local.get $x) (local.get $x))))))))`;

/** `dX = dY · f'(X)` from the saved input X and dY, elementwise (f32x4 where the spec allows). */
export const activationBackward: BackwardGenerator = (call, values, env) => {
  const step = activationBackwardStep(call);
  if (!step || values.gradInputs[0] === null) return [];
  // Activations that need no transcendental function (a question to the layer spec) have an
  // f32x4 backward.
  const op: ElementOp = {
    vector: hasTrait(step.kind, 'transcendental')
      ? null
      : ([x, dy]) => `(local.set $vx ${x})
(local.set $vdy ${dy})
(local.set $vv ${vectorGrad(step)})`,
    scalar: ([x, dy]) => `(local.set $x ${x})
(local.set $dy ${dy})
(local.set $sv ${scalarGrad(step)})`,
    locals: { x: 'f32', dy: 'f32', vx: 'v128', vdy: 'v128' },
  };
  return [
    streamKernel(
      env,
      { inputs: [values.inputs[0], values.gradOutput], output: values.gradInputs[0] },
      num(call, 'features'),
      op,
    ),
  ];
};

/** `out = in0 + in1 + …` over `count` floats per sample (a fan-out's gradients, or a copy). */
export function sumKernel(
  env: KernelEnv,
  inputs: number[],
  output: number,
  count: number,
): GeneratedKernel {
  return streamKernel(env, { inputs, output }, count, SUM);
}

/** Whether `add` has no fused activation (training plans keep activations separate). */
export function addBackwardSupported(call: KernelCall): boolean {
  return activationSteps(call.descriptor).every((step) => step.kind === 'identity');
}

/** `add`: each input's gradient is the output's. */
export const addBackward: BackwardGenerator = (call, values, env) => {
  const count = num(call, 'features');
  return values.gradInputs.flatMap((target) =>
    target === null ? [] : [sumKernel(env, [values.gradOutput], target, count)],
  );
};

/** Whether the wasm target has this pooling's backward. */
export function poolBackwardSupported(call: KernelCall): boolean {
  return call.descriptor.kind === 'max' || call.descriptor.kind === 'avg';
}

/**
 * The backward of a max/avg pooling whose window `window` sets (`$h0…$h1`, `$w0…$w1` of output
 * `($oh, $ow)`): dX zeroed, then each output's gradient added to its window's first maximum, or
 * divided by `divisor` (i32) and added to every cell of the window.
 */
function windowBackward(
  call: KernelCall,
  values: BackwardValues,
  env: KernelEnv,
  window: string,
  divisor: string,
): GeneratedKernel[] {
  if (values.gradInputs[0] === null) return [];
  const labels = new Labels();
  const kind = call.descriptor.kind as 'max' | 'avg';
  const { channels, inH, inW, outH, outW } = planes(call);
  const at = (plane: string) =>
    add(get(plane), mulConst(add(mulConst(get('h'), inW), get('w')), 4));
  const dy = load('f32', get('src'));
  const windowLoop = (body: string) =>
    forLoop(labels, 'h', get('h0'), get('h1'), forLoop(labels, 'w', get('w0'), get('w1'), body));
  const perOutput =
    kind === 'max'
      ? `${window}
(local.set $best ${f32(-Infinity)})
${set('arg', i32(-1))}
${windowLoop(`(local.set $v ${load('f32', at('plane'))})
${ifThen(
  `(i32.or (f32.gt (local.get $v) (local.get $best)) (i32.lt_s ${get('arg')} ${i32(0)}))`,
  `(local.set $best (local.get $v))
${set('arg', at('dplane'))}`,
)}`)}
${ifThen(`(i32.ge_s ${get('arg')} ${i32(0)})`, store('f32', get('arg'), `(f32.add ${load('f32', get('arg'))} ${dy})`))}
${set('src', addConst(get('src'), 4))}`
      : `${window}
(local.set $v (f32.demote_f64 (f64.div (f64.promote_f32 ${dy}) (f64.convert_i32_s ${divisor}))))
${windowLoop(store('f32', at('dplane'), `(f32.add ${load('f32', at('dplane'))} (local.get $v))`))}
${set('src', addConst(get('src'), 4))}`;
  const body = `${forLoop(
    labels,
    'h',
    i32(0),
    i32(channels * inH * inW),
    store('f32', add(get('out'), mulConst(get('h'), 4)), f32(0)),
  )}
${set('src', get('in1'))}
${planeOutputs(
  labels,
  channels,
  inH * inW,
  outH,
  outW,
  perOutput,
  set('dplane', add(get('out'), mulConst(get('c'), inH * inW * 4))),
)}`;
  const names = ['c', 'oh', 'ow', 'h', 'w', ...WINDOW_LOCALS, 'src', 'arg', 'plane', 'dplane'];
  return [
    perSample(
      env,
      { inputs: [values.inputs[0], values.gradOutput], output: values.gradInputs[0] },
      body,
      { ...Object.fromEntries(names.map((name) => [name, 'i32'])), best: 'f32', v: 'f32' },
    ),
  ];
}

/** max/avg pooling: each output's gradient to its window's first maximum, or spread over it. */
export const poolBackward: BackwardGenerator = (call, values, env) =>
  windowBackward(call, values, env, poolWindowCode(call), avgDivisor(call));

/** Adaptive (and global) max/avg pooling: windows `[⌊o·I/O⌋, ⌈(o+1)·I/O⌉)` as the forward. */
export const adaptivePoolBackward: BackwardGenerator = (call, values, env) =>
  windowBackward(call, values, env, adaptiveWindowCode(call), clippedSize);
