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
  sub,
} from '../wat.js';
import type { BackwardGenerator } from './common.js';
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

/** `dX = dY · f'(X)` (`$in0` = X, `$in1` = dY). */
export const activationBackward: BackwardGenerator = (call, values, env) => {
  const step = activationBackwardStep(call);
  if (!step || values.gradInputs[0] === null) return [];
  const count = num(call, 'features');
  const labels = new Labels();
  // Activations that need no transcendental function (a question to the layer spec) have an
  // f32x4 backward.
  const vectors = hasTrait(step.kind, 'transcendental') ? 0 : Math.floor(count / 4);
  const body = `${
    vectors > 0
      ? forLoop(
          labels,
          'i',
          i32(0),
          i32(vectors),
          `${set('off', mulConst(get('i'), 16))}
(local.set $vx ${load('v128', add(get('in0'), get('off')))})
(local.set $vdy ${load('v128', add(get('in1'), get('off')))})
${store('v128', add(get('out'), get('off')), vectorGrad(step))}`,
        )
      : ''
  }
${forLoop(
  labels,
  'i',
  i32(vectors * 4),
  i32(count),
  `${set('off', mulConst(get('i'), 4))}
(local.set $x ${load('f32', add(get('in0'), get('off')))})
(local.set $dy ${load('f32', add(get('in1'), get('off')))})
${store('f32', add(get('out'), get('off')), scalarGrad(step))}`,
)}`;
  return [
    perSample(
      env,
      { inputs: [values.inputs[0], values.gradOutput], output: values.gradInputs[0] },
      body,
      { i: 'i32', off: 'i32', x: 'f32', dy: 'f32', vx: 'v128', vdy: 'v128' },
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
  const labels = new Labels();
  const vectors = Math.floor(count / 4);
  const sum = (type: 'v128' | 'f32') =>
    inputs
      .map((_, idx) => load(type, add(get(`in${idx}`), get('off'))))
      .reduce((acc, next) => `(${type === 'v128' ? 'f32x4' : 'f32'}.add ${acc} ${next})`);
  const body = `${forLoop(
    labels,
    'i',
    i32(0),
    i32(vectors),
    `${set('off', mulConst(get('i'), 16))}
${store('v128', add(get('out'), get('off')), sum('v128'))}`,
  )}
${forLoop(
  labels,
  'i',
  i32(vectors * 4),
  i32(count),
  `${set('off', mulConst(get('i'), 4))}
${store('f32', add(get('out'), get('off')), sum('f32'))}`,
)}`;
  return perSample(env, { inputs, output }, body, { i: 'i32', off: 'i32' });
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

/** max/avg pooling: each output's gradient to its window's first maximum, or spread over it. */
export const poolBackward: BackwardGenerator = (call, values, env) => {
  if (values.gradInputs[0] === null) return [];
  const labels = new Labels();
  const kind = call.descriptor.kind as 'max' | 'avg';
  const [channels, inH, inW, outH, outW] = [
    'channels',
    'inHeight',
    'inWidth',
    'outHeight',
    'outWidth',
  ].map((key) => num(call, key));
  const [kh, kw, sh, sw, pt, pb, pl, pr] = [
    'kernelHeight',
    'kernelWidth',
    'strideHeight',
    'strideWidth',
    'padTop',
    'padBottom',
    'padLeft',
    'padRight',
  ].map((key) => num(call, key));
  const countIncludePad = call.descriptor.countIncludePad === true;
  const at = (plane: string) =>
    add(get(plane), mulConst(add(mulConst(get('h'), inW), get('w')), 4));
  const window = `${set('hs', sub(mulConst(get('oh'), sh), i32(pt)))}
${set('ws', sub(mulConst(get('ow'), sw), i32(pl)))}
${set('he', `(select ${addConst(get('hs'), kh)} ${i32(inH + pb)} (i32.lt_s ${addConst(get('hs'), kh)} ${i32(inH + pb)}))`)}
${set('we', `(select ${addConst(get('ws'), kw)} ${i32(inW + pr)} (i32.lt_s ${addConst(get('ws'), kw)} ${i32(inW + pr)}))`)}
${set('size', `(i32.mul ${sub(get('he'), get('hs'))} ${sub(get('we'), get('ws'))})`)}
${set('h0', `(select ${get('hs')} ${i32(0)} (i32.gt_s ${get('hs')} ${i32(0)}))`)}
${set('w0', `(select ${get('ws')} ${i32(0)} (i32.gt_s ${get('ws')} ${i32(0)}))`)}
${set('h1', `(select ${get('he')} ${i32(inH)} (i32.lt_s ${get('he')} ${i32(inH)}))`)}
${set('w1', `(select ${get('we')} ${i32(inW)} (i32.lt_s ${get('we')} ${i32(inW)}))`)}`;
  const dy = load('f32', get('src'));
  const perOutput =
    kind === 'max'
      ? `${window}
(local.set $best ${f32(-Infinity)})
${set('arg', i32(-1))}
${forLoop(
  labels,
  'h',
  get('h0'),
  get('h1'),
  forLoop(
    labels,
    'w',
    get('w0'),
    get('w1'),
    `(local.set $v ${load('f32', at('plane'))})
${ifThen(
  `(i32.or (f32.gt (local.get $v) (local.get $best)) (i32.lt_s ${get('arg')} ${i32(0)}))`,
  `(local.set $best (local.get $v))
${set('arg', at('dplane'))}`,
)}`,
  ),
)}
${ifThen(`(i32.ge_s ${get('arg')} ${i32(0)})`, store('f32', get('arg'), `(f32.add ${load('f32', get('arg'))} ${dy})`))}
${set('src', addConst(get('src'), 4))}`
      : `${window}
(local.set $v (f32.demote_f64 (f64.div (f64.promote_f32 ${dy}) (f64.convert_i32_s ${
          countIncludePad
            ? get('size')
            : `(i32.mul ${sub(get('h1'), get('h0'))} ${sub(get('w1'), get('w0'))})`
        }))))
${forLoop(
  labels,
  'h',
  get('h0'),
  get('h1'),
  forLoop(
    labels,
    'w',
    get('w0'),
    get('w1'),
    store('f32', at('dplane'), `(f32.add ${load('f32', at('dplane'))} (local.get $v))`),
  ),
)}
${set('src', addConst(get('src'), 4))}`;
  const zeroLoop = forLoop(
    labels,
    'h',
    i32(0),
    i32(channels * inH * inW),
    store('f32', add(get('out'), mulConst(get('h'), 4)), f32(0)),
  );
  const body = `${zeroLoop}
${set('src', get('in1'))}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `${set('plane', add(get('in0'), mulConst(get('c'), inH * inW * 4)))}
${set('dplane', add(get('out'), mulConst(get('c'), inH * inW * 4)))}
${forLoop(labels, 'oh', i32(0), i32(outH), forLoop(labels, 'ow', i32(0), i32(outW), perOutput))}`,
)}`;
  const names = ['c', 'oh', 'ow', 'h', 'w', 'hs', 'ws', 'he', 'we', 'h0', 'w0', 'h1', 'w1'];
  return [
    perSample(
      env,
      { inputs: [values.inputs[0], values.gradOutput], output: values.gradInputs[0] },
      body,
      {
        ...Object.fromEntries(names.map((name) => [name, 'i32'])),
        size: 'i32',
        src: 'i32',
        arg: 'i32',
        plane: 'i32',
        dplane: 'i32',
        best: 'f32',
        v: 'f32',
      },
    ),
  ];
};

/** Adaptive (and global) max/avg pooling: windows `[⌊o·I/O⌋, ⌈(o+1)·I/O⌉)` as the forward. */
export const adaptivePoolBackward: BackwardGenerator = (call, values, env) => {
  if (values.gradInputs[0] === null) return [];
  const labels = new Labels();
  const kind = call.descriptor.kind as 'max' | 'avg';
  const [channels, inH, inW, outH, outW] = [
    'channels',
    'inHeight',
    'inWidth',
    'outHeight',
    'outWidth',
  ].map((key) => num(call, key));
  const at = (plane: string) =>
    add(get(plane), mulConst(add(mulConst(get('h'), inW), get('w')), 4));
  const window = `${set('h0', `(i32.div_u ${mulConst(get('oh'), inH)} ${i32(outH)})`)}
${set('h1', `(i32.div_u ${addConst(mulConst(get('oh'), inH), inH + outH - 1)} ${i32(outH)})`)}
${set('w0', `(i32.div_u ${mulConst(get('ow'), inW)} ${i32(outW)})`)}
${set('w1', `(i32.div_u ${addConst(mulConst(get('ow'), inW), inW + outW - 1)} ${i32(outW)})`)}`;
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
${store('f32', get('arg'), `(f32.add ${load('f32', get('arg'))} ${dy})`)}
${set('src', addConst(get('src'), 4))}`
      : `${window}
(local.set $v (f32.demote_f64 (f64.div (f64.promote_f32 ${dy}) (f64.convert_i32_s (i32.mul ${sub(get('h1'), get('h0'))} ${sub(get('w1'), get('w0'))})))))
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
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `${set('plane', add(get('in0'), mulConst(get('c'), inH * inW * 4)))}
${set('dplane', add(get('out'), mulConst(get('c'), inH * inW * 4)))}
${forLoop(labels, 'oh', i32(0), i32(outH), forLoop(labels, 'ow', i32(0), i32(outW), perOutput))}`,
)}`;
  const names = [
    'c',
    'oh',
    'ow',
    'h',
    'w',
    'h0',
    'w0',
    'h1',
    'w1',
    'src',
    'arg',
    'plane',
    'dplane',
  ];
  return [
    perSample(
      env,
      { inputs: [values.inputs[0], values.gradOutput], output: values.gradInputs[0] },
      body,
      { ...Object.fromEntries(names.map((name) => [name, 'i32'])), best: 'f32', v: 'f32' },
    ),
  ];
};
