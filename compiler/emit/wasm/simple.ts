// The wasm target's memory-bound layers: elementwise activations, copies, add, concat, pooling,
// padding, BatchNorm (unfolded), softmax and LRN. One unit per sample; plain loops with constant
// bounds, f32x4 where the loop is a straight stream (activations, add, copies).
import type { KernelCall } from '../target.js';
import { activationSteps, scalarActivation, vectorActivation, vectorizable } from './activation.js';
import type { ActivationStep } from './activation.js';
import {
  num,
  perSample,
  valueAddress,
  type CallValues,
  type GeneratedKernel,
  type KernelEnv,
  type KernelGenerator,
} from './kernel.js';
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
  maxF32,
  mulConst,
  set,
  store,
  sub,
} from './wat.js';

/** Floats per unit of an elementwise layer at least (smaller ones are one unit per sample). */
const STREAM_CHUNK = 16384;

/**
 * What an elementwise kernel computes per element from its inputs' loads (in order): statements
 * leaving the f32x4 result in `$vv` (null: no f32x4 form, every element is scalar) and the f32
 * result in `$sv`. The two forms must agree lane by lane.
 */
export interface ElementOp {
  vector: ((inputs: string[]) => string) | null;
  scalar: (inputs: string[]) => string;
  /** Locals the statements use besides `$vv` and `$sv`. */
  locals?: Record<string, string>;
}

/** The sum of the inputs, then activation `steps`. */
function sumThen(steps: readonly ActivationStep[]): ElementOp {
  const sum = (type: 'f32' | 'f32x4') => (inputs: string[]) =>
    inputs.reduce((acc, next) => `(${type}.add ${acc} ${next})`);
  return {
    vector: vectorizable(steps)
      ? (inputs) => `(local.set $vv ${sum('f32x4')(inputs)})\n${vectorActivation(steps, 'vv')}`
      : null,
    scalar: (inputs) => `(local.set $sv ${sum('f32')(inputs)})\n${scalarActivation(steps, 'sv')}`,
  };
}

/**
 * An elementwise kernel over `count` floats per sample (`op` of the inputs), in f32x4 with a
 * scalar tail. Units are (sample, chunk of a multiple of four floats), up to 16 a sample, so that
 * a large layer splits over threads at batch 1. Forward activations, add and copies, and the
 * backward's activation gradients and fan-out sums.
 */
export function streamKernel(
  env: KernelEnv,
  values: CallValues,
  count: number,
  op: ElementOp,
): GeneratedKernel {
  const labels = new Labels();
  const chunks = Math.max(1, Math.min(16, Math.floor(count / STREAM_CHUNK)));
  const chunk = Math.ceil(count / chunks / 4) * 4;
  const units = Math.ceil(count / chunk);
  const vectorEnd = op.vector ? Math.floor(count / 4) * 4 : 0;
  const loads = (type: 'v128' | 'f32') =>
    values.inputs.map((_, idx) => load(type, add(get(`in${idx}`), get('off'))));
  const vectorLoop = !op.vector
    ? ''
    : forLoop(
        labels,
        'i',
        get('lo'),
        get('mid'),
        `${set('off', mulConst(get('i'), 4))}
${op.vector(loads('v128'))}
${store('v128', add(get('out'), get('off')), '(local.get $vv)')}`,
        4,
      );
  const scalarLoop = forLoop(
    labels,
    'i',
    get('mid'),
    get('hi'),
    `${set('off', mulConst(get('i'), 4))}
${op.scalar(loads('f32'))}
${store('f32', add(get('out'), get('off')), '(local.get $sv)')}`,
  );
  const clamp = (value: string, bound: number) =>
    `(select ${value} ${i32(bound)} (i32.lt_s ${value} ${i32(bound)}))`;
  const setup = [
    ...values.inputs.map((offset, idx) => set(`in${idx}`, valueAddress(env, 'n', offset))),
    set('out', valueAddress(env, 'n', values.output)),
  ].join('\n');
  return {
    locals: {
      u: 'i32',
      n: 'i32',
      lo: 'i32',
      mid: 'i32',
      hi: 'i32',
      out: 'i32',
      ...Object.fromEntries(values.inputs.map((_, idx) => [`in${idx}`, 'i32'])),
      ...STREAM_LOCALS,
      ...op.locals,
    },
    body: `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(units)})`)}
  ${set('lo', mulConst(`(i32.rem_u ${get('u')} ${i32(units)})`, chunk))}
  ${set('hi', clamp(addConst(get('lo'), chunk), count))}
  ${set('mid', `(select ${get('lo')} ${clamp(get('hi'), vectorEnd)} (i32.gt_s ${get('lo')} ${i32(vectorEnd)}))`)}
  ${setup}
  ${vectorLoop}
  ${scalarLoop}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`,
    samplesPerUnit: 1,
    unitsPerGroup: units,
    scratchBytes: 0,
    macs: count,
  };
}

const STREAM_LOCALS = { i: 'i32', off: 'i32', vv: 'v128', sv: 'f32' };

/** The sum of the inputs (a copy for one): add without activation, a fan-out's gradients. */
export const SUM: ElementOp = sumThen([]);

/** activation, elementwiseChain, identity. */
export const activationKernel: KernelGenerator = (call, values, env) =>
  streamKernel(
    env,
    values,
    num(call, 'features'),
    sumThen(
      activationSteps(
        call.factory === 'elementwiseChain' ? call.descriptor : { activation: call.descriptor },
      ),
    ),
  );

/** Inference dropout: a copy. */
export const copyKernel: KernelGenerator = (call, values, env) =>
  streamKernel(env, values, num(call, 'features'), SUM);

/** The sum of N inputs with an optional fused activation. */
export const addKernel: KernelGenerator = (call, values, env) =>
  streamKernel(env, values, num(call, 'features'), sumThen(activationSteps(call.descriptor)));

/** Concatenation along channels: one copy per input at its channel offset. */
export const concatKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const channels = call.descriptor.channels as number[];
  const spatial = num(call, 'spatial');
  let offset = 0;
  const copies = channels.map((count, idx) => {
    const floats = count * spatial;
    const code = forLoop(
      labels,
      'i',
      i32(0),
      i32(floats),
      `${set('off', mulConst(get('i'), 4))}
${store('f32', add(get('out'), get('off')), load('f32', add(get(`in${idx}`), get('off'))), offset * 4)}`,
    );
    offset += floats;
    return code;
  });
  return perSample(env, values, copies.join('\n'), { i: 'i32', off: 'i32' });
};

/** Lanes 0 and 2 of two f32x4: the even floats of eight consecutive ones. */
const VECTOR_EVEN = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';

/** The plane sizes of a pooling call. */
export function planes(call: KernelCall) {
  const [channels, inH, inW, outH, outW] = [
    'channels',
    'inHeight',
    'inWidth',
    'outHeight',
    'outWidth',
  ].map((key) => num(call, key));
  return { channels, inH, inW, outH, outW };
}

/** The window of a pooling call: size, stride and padding per side. */
export function poolWindow(call: KernelCall) {
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
  return { kh, kw, sh, sw, pt, pb, pl, pr };
}

/** Locals of {@link poolWindowCode}. */
export const WINDOW_LOCALS = ['hs', 'ws', 'he', 'we', 'size', 'h0', 'w0', 'h1', 'w1'];

/**
 * Statements setting the window of output `($oh, $ow)`: clipped to the padded input
 * (`$hs…$he`, `$ws…$we`, `$size` cells: the divisor with padding) and to the input (`$h0…$h1`,
 * `$w0…$w1`: the loops).
 */
export function poolWindowCode(call: KernelCall): string {
  const { inH, inW } = planes(call);
  const { kh, kw, sh, sw, pt, pb, pl, pr } = poolWindow(call);
  return `${set('hs', sub(mulConst(get('oh'), sh), i32(pt)))}
${set('ws', sub(mulConst(get('ow'), sw), i32(pl)))}
${set('he', `(select ${addConst(get('hs'), kh)} ${i32(inH + pb)} (i32.lt_s ${addConst(get('hs'), kh)} ${i32(inH + pb)}))`)}
${set('we', `(select ${addConst(get('ws'), kw)} ${i32(inW + pr)} (i32.lt_s ${addConst(get('ws'), kw)} ${i32(inW + pr)}))`)}
${set('size', `(i32.mul ${sub(get('he'), get('hs'))} ${sub(get('we'), get('ws'))})`)}
${set('h0', `(select ${get('hs')} ${i32(0)} (i32.gt_s ${get('hs')} ${i32(0)}))`)}
${set('w0', `(select ${get('ws')} ${i32(0)} (i32.gt_s ${get('ws')} ${i32(0)}))`)}
${set('h1', `(select ${get('he')} ${i32(inH)} (i32.lt_s ${get('he')} ${i32(inH)}))`)}
${set('w1', `(select ${get('we')} ${i32(inW)} (i32.lt_s ${get('we')} ${i32(inW)}))`)}`;
}

/** The cells of the window `[$h0, $h1) × [$w0, $w1)` (i32). */
export const clippedSize = `(i32.mul ${sub(get('h1'), get('h0'))} ${sub(get('w1'), get('w0'))})`;

/** An average pooling's divisor (i32): the padded window's cells, or only the input's. */
export function avgDivisor(call: KernelCall): string {
  return call.descriptor.countIncludePad === true ? get('size') : clippedSize;
}

/**
 * Statements setting adaptive pooling's window of output `($oh, $ow)`, PyTorch's
 * `[⌊o·I/O⌋, ⌈(o+1)·I/O⌉)` with ⌈(o+1)·I/O⌉ = ⌊((o+1)·I + O − 1)/O⌋ in integers.
 */
export function adaptiveWindowCode(call: KernelCall): string {
  const { inH, inW, outH, outW } = planes(call);
  return `${set('h0', `(i32.div_u ${mulConst(get('oh'), inH)} ${i32(outH)})`)}
${set('h1', `(i32.div_u ${addConst(mulConst(get('oh'), inH), inH + outH - 1)} ${i32(outH)})`)}
${set('w0', `(i32.div_u ${mulConst(get('ow'), inW)} ${i32(outW)})`)}
${set('w1', `(i32.div_u ${addConst(mulConst(get('ow'), inW), inW + outW - 1)} ${i32(outW)})`)}`;
}

/**
 * `for c < channels: $plane = $in0 + c·inPlane floats (and `extra`), for oh < outH, ow < outW:
 * perOutput`: the loop of the layers that compute one output at a time from an input plane.
 */
export function planeOutputs(
  labels: Labels,
  channels: number,
  inPlane: number,
  outH: number,
  outW: number,
  perOutput: string,
  extra = '',
): string {
  return forLoop(
    labels,
    'c',
    i32(0),
    i32(channels),
    `${set('plane', add(get('in0'), mulConst(get('c'), inPlane * 4)))}
${extra}
${forLoop(labels, 'oh', i32(0), i32(outH), forLoop(labels, 'ow', i32(0), i32(outW), perOutput))}`,
  );
}

/**
 * One pooling output: the window (`window` sets `$h0…$h1`, `$w0…$w1`) of the plane at `$plane`
 * reduced to its maximum `$best` or its (power) sum `$sum` in float64, then `result` stored at
 * `$dst`, which advances.
 */
function reduceWindow(
  labels: Labels,
  kind: 'max' | 'avg' | 'lp',
  inW: number,
  window: string,
  result: string,
  p = 1,
): string {
  const value = load('f32', add(get('plane'), mulConst(add(mulConst(get('h'), inW), get('w')), 4)));
  const accumulate =
    kind === 'max'
      ? `(local.set $best ${maxF32('(local.get $best)', value)})`
      : kind === 'avg'
        ? `(local.set $sum (f64.add (local.get $sum) (f64.promote_f32 ${value})))`
        : `(local.set $sum (f64.add (local.get $sum) (call $pow (f64.promote_f32 ${value}) ${f64(p)})))`;
  return `${window}
(local.set $best ${f32(-Infinity)})
(local.set $sum ${f64(0)})
${forLoop(labels, 'h', get('h0'), get('h1'), forLoop(labels, 'w', get('w0'), get('w1'), accumulate))}
(f32.store ${get('dst')} ${result})
${set('dst', addConst(get('dst'), 4))}`;
}

/** max, avg and lp pooling over 2-D planes (1-D inputs have a unit height). */
export const poolKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const kind = call.descriptor.kind as 'max' | 'avg' | 'lp';
  const { channels, inH, inW, outH, outW } = planes(call);
  const { kh, kw, sh, sw, pt, pl } = poolWindow(call);
  const p = num(call, 'p');
  const result =
    kind === 'max'
      ? '(local.get $best)'
      : kind === 'avg'
        ? `(f32.demote_f64 (f64.div (local.get $sum) (f64.convert_i32_s ${avgDivisor(call)})))`
        : `(f32.demote_f64 (call $pow (f64.mul (f64.div (local.get $sum) (f64.convert_i32_s ${get('size')})) ${f64(kh * kw)}) ${f64(1 / p)}))`;
  const generic = reduceWindow(labels, kind, inW, poolWindowCode(call), result, p);
  // Windows wholly inside the input (no clipping; divisor kh·kw either way) are unrolled with
  // constant offsets. Their rows and columns are a compile-time range: the generic loop only
  // runs on the border.
  const rowLo = Math.ceil(pt / sh);
  const rowHi = Math.min(outH, Math.floor((inH + pt - kh) / sh) + 1);
  const colLo = Math.min(outW, Math.ceil(pl / sw));
  const colHi = Math.max(colLo, Math.min(outW, Math.floor((inW + pl - kw) / sw) + 1));
  const offsets = Array.from(
    { length: kh * kw },
    (_, idx) => (Math.floor(idx / kw) * inW + (idx % kw)) * 4,
  );
  const value2 = (offset: number) => load('f32', get('base'), offset);
  const unrolledValue =
    kind === 'max'
      ? offsets.map(value2).reduce((acc, next) => maxF32(acc, next))
      : `(f32.demote_f64 (f64.div ${offsets
          .map((offset) => `(f64.promote_f32 ${value2(offset)})`)
          .reduce((acc, next) => `(f64.add ${acc} ${next})`)} ${f64(kh * kw)}))`;
  // Max pooling at stride 1 or 2: four outputs at once in f32x4 (stride 2: the even floats of
  // two loads), the same maxima in the same order as the scalar form.
  const quads = kind === 'max' && (sw === 1 || sw === 2) ? Math.floor((colHi - colLo) / 4) : 0;
  const window4 = (offset: number) =>
    sw === 1
      ? load('v128', get('base'), offset)
      : `(i8x16.shuffle ${VECTOR_EVEN} ${load('v128', get('base'), offset)} ${load('v128', get('base'), offset + 16)})`;
  const vectorRow =
    quads === 0
      ? ''
      : forLoop(
          labels,
          'ow',
          i32(colLo),
          i32(colLo + 4 * quads),
          `${store(
            'v128',
            get('dst'),
            offsets.map(window4).reduce((acc, next) => `(f32x4.max ${acc} ${next})`),
          )}
${set('dst', addConst(get('dst'), 16))}
${set('base', addConst(get('base'), 4 * sw * 4))}`,
          4,
        );
  const fastRow = `${forLoop(labels, 'ow', i32(0), i32(colLo), generic)}
${set('base', add(get('plane'), mulConst(add(mulConst(sub(mulConst(get('oh'), sh), i32(pt)), inW), i32(colLo * sw - pl)), 4)))}
${vectorRow}
${forLoop(
  labels,
  'ow',
  i32(colLo + 4 * quads),
  i32(colHi),
  `(f32.store ${get('dst')} ${unrolledValue})
${set('dst', addConst(get('dst'), 4))}
${set('base', addConst(get('base'), sw * 4))}`,
)}
${forLoop(labels, 'ow', i32(colHi), i32(outW), generic)}`;
  const perRow =
    kind !== 'lp' && kh * kw <= 64 && rowLo < rowHi && colLo < colHi
      ? ifThen(
          `(i32.and (i32.ge_s ${get('oh')} ${i32(rowLo)}) (i32.lt_s ${get('oh')} ${i32(rowHi)}))`,
          fastRow,
          forLoop(labels, 'ow', i32(0), i32(outW), generic),
        )
      : forLoop(labels, 'ow', i32(0), i32(outW), generic);
  const body = `${set('dst', add(get('out'), mulConst(get('c0'), outH * outW * 4)))}
${forLoop(
  labels,
  'c',
  get('c0'),
  get('c1'),
  `${set('plane', add(get('in0'), mulConst(get('c'), inH * inW * 4)))}
${forLoop(labels, 'oh', i32(0), i32(outH), perRow)}`,
)}`;
  const names = ['c', 'oh', 'ow', 'h', 'w', 'hs', 'ws', 'he', 'we', 'h0', 'w0', 'h1', 'w1', 'base'];
  return perChannelChunk(
    env,
    values,
    channels,
    body,
    {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      size: 'i32',
      dst: 'i32',
      plane: 'i32',
      best: 'f32',
      sum: 'f64',
    },
    channels * outH * outW * kh * kw,
  );
};

/** Channel chunks per sample of a layer split by channels (threads have work at batch 1). */
const CHANNEL_UNITS = 16;

/**
 * Units (sample, chunk of channels): `body` computes channels `[$c0, $c1)` of the sample in `$n`
 * (with `$in0`, `$out` set). `work` is the layer's work per sample (see `GeneratedKernel.macs`).
 */
export function perChannelChunk(
  env: KernelEnv,
  values: CallValues,
  channels: number,
  body: string,
  extraLocals: Record<string, string>,
  work: number,
): GeneratedKernel {
  const chunk = Math.ceil(channels / Math.min(channels, CHANNEL_UNITS));
  const chunks = Math.ceil(channels / chunk);
  return {
    locals: { u: 'i32', n: 'i32', c0: 'i32', c1: 'i32', in0: 'i32', out: 'i32', ...extraLocals },
    body: `(local.set $u ${get('u0')})
(block $done (loop $units
  (br_if $done (i32.ge_s ${get('u')} ${get('u1')}))
  ${set('n', `(i32.div_u ${get('u')} ${i32(chunks)})`)}
  ${set('c0', mulConst(`(i32.rem_u ${get('u')} ${i32(chunks)})`, chunk))}
  ${set('c1', `(select ${addConst(get('c0'), chunk)} ${i32(channels)} (i32.lt_s ${addConst(get('c0'), chunk)} ${i32(channels)}))`)}
  ${set('in0', valueAddress(env, 'n', values.inputs[0]))}
  ${set('out', valueAddress(env, 'n', values.output))}
  ${body}
  (local.set $u ${add(get('u'), i32(1))})
  (br $units)))`,
    samplesPerUnit: 1,
    unitsPerGroup: chunks,
    scratchBytes: 0,
    macs: work,
  };
}

/** Adaptive (and global) max/avg pooling: PyTorch's windows `[⌊o·I/O⌋, ⌈(o+1)·I/O⌉)`. */
export const adaptivePoolKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const kind = call.descriptor.kind as 'max' | 'avg';
  const { channels, inH, inW, outH, outW } = planes(call);
  const result =
    kind === 'max'
      ? '(local.get $best)'
      : `(f32.demote_f64 (f64.div (local.get $sum) (f64.convert_i32_s ${clippedSize})))`;
  const perOutput = reduceWindow(labels, kind, inW, adaptiveWindowCode(call), result);
  const body = `${set('dst', get('out'))}
${planeOutputs(labels, channels, inH * inW, outH, outW, perOutput)}`;
  const names = ['c', 'oh', 'ow', 'h', 'w', 'h0', 'w0', 'h1', 'w1', 'dst', 'plane'];
  return perSample(env, values, body, {
    ...Object.fromEntries(names.map((name) => [name, 'i32'])),
    best: 'f32',
    sum: 'f64',
  });
};

/** `pad` with zeros, reflect, replicate or circular. */
export const padKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const [channels, inH, inW, top, bottom, left, right] = [
    'channels',
    'inHeight',
    'inWidth',
    'padTop',
    'padBottom',
    'padLeft',
    'padRight',
  ].map((key) => num(call, key));
  const mode = String(call.descriptor.mode);
  const outH = inH + top + bottom;
  const outW = inW + left + right;
  if (mode === 'zeros')
    return zeroPad(values, env, { channels, inH, inW, top, bottom, left, right });
  const wrap = (name: string, size: number) => {
    const v = get(name);
    if (mode === 'reflect')
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, sub(i32(0), v)))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, sub(i32(2 * size - 2), v)))}`;
    if (mode === 'replicate')
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, i32(0)))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, i32(size - 1)))}`;
    if (mode === 'circular')
      return `${set(name, `(i32.rem_s ${add(v, i32(size * 8))} ${i32(size)})`)}`;
    return '';
  };
  const outside =
    mode === 'zeros'
      ? `(i32.or (i32.or (i32.lt_s ${get('h')} ${i32(0)}) (i32.ge_s ${get('h')} ${i32(inH)}))
          (i32.or (i32.lt_s ${get('w')} ${i32(0)}) (i32.ge_s ${get('w')} ${i32(inW)})))`
      : i32(0);
  const perOutput = `${set('h', sub(get('oh'), i32(top)))}
${set('w', sub(get('ow'), i32(left)))}
${ifThen(
  outside,
  `(f32.store ${get('dst')} ${f32(0)})`,
  `${wrap('h', inH)}
${wrap('w', inW)}
(f32.store ${get('dst')} ${load('f32', add(get('plane'), mulConst(add(mulConst(get('h'), inW), get('w')), 4)))})`,
)}
${set('dst', addConst(get('dst'), 4))}`;
  const body = `${set('dst', get('out'))}
${planeOutputs(labels, channels, inH * inW, outH, outW, perOutput)}`;
  const names = ['c', 'oh', 'ow', 'h', 'w', 'dst', 'plane'];
  return perSample(env, values, body, Object.fromEntries(names.map((name) => [name, 'i32'])));
};

/**
 * Zero padding as row copies: per channel, the top rows and each row's left and right margins
 * are zeroed and each input row copied, all in f32x4 with an exact scalar tail (never a byte past
 * the output), sequentially through the output.
 */
function zeroPad(
  values: CallValues,
  env: KernelEnv,
  p: {
    channels: number;
    inH: number;
    inW: number;
    top: number;
    bottom: number;
    left: number;
    right: number;
  },
) {
  const labels = new Labels();
  const outW = p.inW + p.left + p.right;
  /** Statements writing `count` floats at `$dst` (and reading them at `$src` when copying). */
  const run = (count: number, copy: boolean): string => {
    if (count === 0) return '';
    const vectors = Math.floor(count / 4);
    const value = (type: string) =>
      copy ? load(type, get('src')) : type === 'v128' ? '(v128.const i32x4 0 0 0 0)' : f32(0);
    const step = (type: string, bytes: number) =>
      `${store(type, get('dst'), value(type))}
${set('dst', addConst(get('dst'), bytes))}
${copy ? set('src', addConst(get('src'), bytes)) : ''}`;
    const vectorPart =
      vectors === 0
        ? ''
        : vectors <= 4
          ? Array.from({ length: vectors }, () => step('v128', 16)).join('\n')
          : forLoop(labels, 'i', i32(0), i32(vectors), step('v128', 16));
    return `${vectorPart}
${Array.from({ length: count % 4 }, () => step('f32', 4)).join('\n')}`;
  };
  const body = `${set('dst', get('out'))}
${set('src', get('in0'))}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(p.channels),
  `${run(p.top * outW, false)}
${forLoop(labels, 'h', i32(0), i32(p.inH), `${run(p.left, false)}\n${run(p.inW, true)}\n${run(p.right, false)}`)}
${run(p.bottom * outW, false)}`,
)}`;
  return perSample(env, values, body, { c: 'i32', h: 'i32', i: 'i32', dst: 'i32', src: 'i32' });
}

/** BatchNorm with running statistics (when not folded), with an optional fused activation. */
export const batchnormKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const eps = num(call, 'eps');
  const [gamma, beta, mean, variance] = call.params.map((name) =>
    name === null ? undefined : env.weight(name, { kind: 'plain', length: channels }),
  );
  if (mean === undefined || variance === undefined)
    throw new Error('internal error: batchnorm without running statistics');
  const at = (address: number) => load('f32', add(i32(address), mulConst(get('c'), 4)));
  // scale = γ/√(var+ε), shift = β − mean·scale, in float64 and rounded once.
  const perChannel = `(local.set $scale (f64.div ${gamma === undefined ? f64(1) : `(f64.promote_f32 ${at(gamma)})`}
  (f64.sqrt (f64.add (f64.promote_f32 ${at(variance)}) ${f64(eps)}))))
(local.set $shift (f64.sub ${beta === undefined ? f64(0) : `(f64.promote_f32 ${at(beta)})`}
  (f64.mul (f64.promote_f32 ${at(mean)}) (local.get $scale))))
${forLoop(
  labels,
  's',
  i32(0),
  i32(spatial),
  `(local.set $sv (f32.demote_f64 (f64.add (f64.mul (f64.promote_f32 ${load('f32', get('src'))}) (local.get $scale)) (local.get $shift))))
${scalarActivation(activationSteps(call.descriptor), 'sv')}
(f32.store ${get('dst')} (local.get $sv))
${set('src', addConst(get('src'), 4))}
${set('dst', addConst(get('dst'), 4))}`,
)}`;
  const body = `${set('src', get('in0'))}
${set('dst', get('out'))}
${forLoop(labels, 'c', i32(0), i32(channels), perChannel)}`;
  return perSample(env, values, body, {
    c: 'i32',
    s: 'i32',
    src: 'i32',
    dst: 'i32',
    scale: 'f64',
    shift: 'f64',
    sv: 'f32',
  });
};

/** Softmax over channels at every spatial position: exp(x − max) / Σ exp(x − max), in float64. */
export const softmaxKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const at = (base: string) => add(base, mulConst(add(mulConst(get('c'), spatial), get('s')), 4));
  const body = forLoop(
    labels,
    's',
    i32(0),
    i32(spatial),
    `(local.set $best ${f32(-Infinity)})
${forLoop(labels, 'c', i32(0), i32(channels), `(local.set $best ${maxF32('(local.get $best)', load('f32', at(get('in0'))))})`)}
(local.set $total ${f64(0)})
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `(local.set $total (f64.add (local.get $total) (call $exp (f64.sub (f64.promote_f32 ${load('f32', at(get('in0')))}) (f64.promote_f32 (local.get $best))))))`,
)}
${forLoop(
  labels,
  'c',
  i32(0),
  i32(channels),
  `(f32.store ${at(get('out'))} (f32.demote_f64 (f64.div (call $exp (f64.sub (f64.promote_f32 ${load('f32', at(get('in0')))}) (f64.promote_f32 (local.get $best)))) (local.get $total))))`,
)}`,
  );
  return perSample(env, values, body, { s: 'i32', c: 'i32', best: 'f32', total: 'f64' });
};

/** Local response normalisation across channels (PyTorch's `LocalResponseNorm`). */
export const lrnKernel: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const size = num(call, 'size');
  const [alpha, beta, k] = ['alpha', 'beta', 'k'].map((key) => num(call, key));
  const at = (base: string, channel: string) =>
    add(base, mulConst(add(mulConst(channel, spatial), get('s')), 4));
  const lo = Math.floor(size / 2);
  const hi = Math.floor((size - 1) / 2);
  const body = forLoop(
    labels,
    'c',
    i32(0),
    i32(channels),
    forLoop(
      labels,
      's',
      i32(0),
      i32(spatial),
      `(local.set $squares ${f64(0)})
${set('j0', `(select ${sub(get('c'), i32(lo))} ${i32(0)} (i32.gt_s ${sub(get('c'), i32(lo))} ${i32(0)}))`)}
${set('j1', `(select ${addConst(get('c'), hi + 1)} ${i32(channels)} (i32.lt_s ${addConst(get('c'), hi + 1)} ${i32(channels)}))`)}
${forLoop(
  labels,
  'j',
  get('j0'),
  get('j1'),
  `(local.set $x (f64.promote_f32 ${load('f32', at(get('in0'), get('j')))}))
(local.set $squares (f64.add (local.get $squares) (f64.mul (local.get $x) (local.get $x))))`,
)}
(f32.store ${at(get('out'), get('c'))} (f32.demote_f64 (f64.div (f64.promote_f32 ${load('f32', at(get('in0'), get('c')))})
  (call $pow (f64.add ${f64(k)} (f64.div (f64.mul ${f64(alpha)} (local.get $squares)) ${f64(size)})) ${f64(beta)}))))`,
    ),
  );
  return perSample(env, values, body, {
    c: 'i32',
    s: 'i32',
    j: 'i32',
    j0: 'i32',
    j1: 'i32',
    squares: 'f64',
    x: 'f64',
  });
};
