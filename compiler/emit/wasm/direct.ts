// Direct (scalar) convolutions for the layers no example needs fast: 3-D convolution and the 2-D
// transposed convolution. Plain loops with constant bounds, float32 accumulation in PyTorch's
// summation order (channel, then filter offsets), the activation fused into the store.
import { activationSteps, scalarActivation } from './activation.js';
import { num, perSample, type KernelGenerator } from './kernel.js';
import type { KernelCall } from '../target.js';
import {
  add,
  addConst,
  f32,
  forLoop,
  get,
  i32,
  ifThen,
  Labels,
  load,
  mulConst,
  set,
  sub,
} from './wat.js';

interface Axis {
  inSize: number;
  outSize: number;
  filter: number;
  stride: number;
  dilation: number;
  padLo: number;
}

function axisOf(call: KernelCall, key: string): Axis {
  const record = call.descriptor[key] as Record<string, number>;
  return {
    inSize: record.inSize,
    outSize: record.outSize,
    filter: record.filter,
    stride: record.stride,
    dilation: record.dilation,
    padLo: record.padLo,
  };
}

/** Maps coordinate local `$name` into `[0, size)` by `mode`; sets `$outside` for zero padding. */
function coordinate(name: string, size: number, mode: string): string {
  const v = get(name);
  switch (mode) {
    case 'reflect':
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, sub(i32(0), v)))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, sub(i32(2 * size - 2), v)))}`;
    case 'replicate':
      return `${ifThen(`(i32.lt_s ${v} ${i32(0)})`, set(name, i32(0)))}
${ifThen(`(i32.ge_s ${v} ${i32(size)})`, set(name, i32(size - 1)))}`;
    case 'circular':
      return set(name, `(i32.rem_s ${add(v, i32(size * 8))} ${i32(size)})`);
    default:
      return ifThen(
        `(i32.or (i32.lt_s ${v} ${i32(0)}) (i32.ge_s ${v} ${i32(size)}))`,
        set('outside', i32(1)),
      );
  }
}

/** 3-D convolution (any groups, dilation, padding mode), direct. */
export const conv3dDirect: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const [depth, height, width] = ['depth', 'height', 'width'].map((key) => axisOf(call, key));
  const inChannels = num(call, 'inChannels');
  const outChannels = num(call, 'outChannels');
  const groups = num(call, 'groups');
  const mode = String(call.descriptor.padMode);
  const groupIn = inChannels / groups;
  const groupOut = outChannels / groups;
  const filterSize = depth.filter * height.filter * width.filter;
  const [weightName, biasName] = call.params;
  if (!weightName) throw new Error('internal error: conv3d without weight');
  const weight = env.weight(weightName, {
    kind: 'plain',
    length: outChannels * groupIn * filterSize,
  });
  const bias = biasName ? env.weight(biasName, { kind: 'plain', length: outChannels }) : undefined;
  const inVolume = depth.inSize * height.inSize * width.inSize;
  const tap = `${set('outside', i32(0))}
${set('id', add(sub(mulConst(get('od'), depth.stride), i32(depth.padLo)), mulConst(get('kd'), depth.dilation)))}
${set('ih', add(sub(mulConst(get('oh'), height.stride), i32(height.padLo)), mulConst(get('kh'), height.dilation)))}
${set('iw', add(sub(mulConst(get('ow'), width.stride), i32(width.padLo)), mulConst(get('kw'), width.dilation)))}
${coordinate('id', depth.inSize, mode)}
${coordinate('ih', height.inSize, mode)}
${coordinate('iw', width.inSize, mode)}
${ifThen(
  `(i32.eqz ${get('outside')})`,
  `(local.set $acc (f32.add (local.get $acc) (f32.mul ${load('f32', get('wp'))}
  ${load('f32', add(get('plane'), mulConst(add(mulConst(add(mulConst(get('id'), height.inSize), get('ih')), width.inSize), get('iw')), 4)))})))`,
)}
${set('wp', addConst(get('wp'), 4))}`;
  const perOutput = `(local.set $acc ${bias === undefined ? f32(0) : load('f32', add(i32(bias), mulConst(get('co'), 4)))})
${set('wp', add(i32(weight), mulConst(get('co'), groupIn * filterSize * 4)))}
${forLoop(
  labels,
  'ci',
  i32(0),
  i32(groupIn),
  `${set('plane', add(get('in0'), mulConst(add(mulConst(get('g'), groupIn), get('ci')), inVolume * 4)))}
${forLoop(labels, 'kd', i32(0), i32(depth.filter), forLoop(labels, 'kh', i32(0), i32(height.filter), forLoop(labels, 'kw', i32(0), i32(width.filter), tap)))}`,
)}
(local.set $sv (local.get $acc))
${scalarActivation(activationSteps(call.descriptor), 'sv')}
(f32.store ${get('dst')} (local.get $sv))
${set('dst', addConst(get('dst'), 4))}`;
  const body = `${set('dst', get('out'))}
${forLoop(
  labels,
  'co',
  i32(0),
  i32(outChannels),
  `${set('g', `(i32.div_u ${get('co')} ${i32(groupOut)})`)}
${forLoop(labels, 'od', i32(0), i32(depth.outSize), forLoop(labels, 'oh', i32(0), i32(height.outSize), forLoop(labels, 'ow', i32(0), i32(width.outSize), perOutput)))}`,
)}`;
  const names = ['co', 'g', 'od', 'oh', 'ow', 'ci', 'kd', 'kh', 'kw', 'id', 'ih', 'iw'];
  return perSample(
    env,
    values,
    body,
    {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      outside: 'i32',
      wp: 'i32',
      plane: 'i32',
      dst: 'i32',
      acc: 'f32',
      sv: 'f32',
    },
    outChannels * depth.outSize * height.outSize * width.outSize * groupIn * filterSize,
  );
};

/**
 * 2-D transposed convolution, direct: output (oh, ow) gathers input (ih, iw) with
 * `oh = ih·s − pad + kh·d`, weight `[inChannels, outChannels/groups, kh, kw]` as PyTorch's.
 */
export const convTransposeDirect: KernelGenerator = (call, values, env) => {
  const labels = new Labels();
  const field = (key: string) => num(call, key);
  const [inChannels, inHeight, inWidth, outChannels, outHeight, outWidth] = [
    'inChannels',
    'inHeight',
    'inWidth',
    'outChannels',
    'outHeight',
    'outWidth',
  ].map(field);
  const [kh, kw, sh, sw, dh, dw, pt, pl, groups] = [
    'filterHeight',
    'filterWidth',
    'strideHeight',
    'strideWidth',
    'dilationHeight',
    'dilationWidth',
    'padTop',
    'padLeft',
    'groups',
  ].map(field);
  const groupIn = inChannels / groups;
  const groupOut = outChannels / groups;
  const [weightName, biasName] = call.params;
  if (!weightName) throw new Error('internal error: convtranspose without weight');
  const weight = env.weight(weightName, { kind: 'plain', length: inChannels * groupOut * kh * kw });
  const bias = biasName ? env.weight(biasName, { kind: 'plain', length: outChannels }) : undefined;
  // ih·s = oh + pad − kh·d must be a multiple of s inside the input.
  const tap = `${set('th', sub(addConst(get('oh'), pt), mulConst(get('fh'), dh)))}
${set('tw', sub(addConst(get('ow'), pl), mulConst(get('fw'), dw)))}
${ifThen(
  `(i32.and
    (i32.and (i32.ge_s ${get('th')} ${i32(0)}) (i32.ge_s ${get('tw')} ${i32(0)}))
    (i32.and (i32.eqz (i32.rem_s ${get('th')} ${i32(sh)})) (i32.eqz (i32.rem_s ${get('tw')} ${i32(sw)}))))`,
  `${set('ih', `(i32.div_s ${get('th')} ${i32(sh)})`)}
${set('iw', `(i32.div_s ${get('tw')} ${i32(sw)})`)}
${ifThen(
  `(i32.and (i32.lt_s ${get('ih')} ${i32(inHeight)}) (i32.lt_s ${get('iw')} ${i32(inWidth)}))`,
  `(local.set $acc (f32.add (local.get $acc) (f32.mul
  ${load('f32', add(get('plane'), mulConst(add(mulConst(get('ih'), inWidth), get('iw')), 4)))}
  ${load('f32', add(get('wbase'), mulConst(add(mulConst(get('fh'), kw), get('fw')), 4)))})))`,
)}`,
)}`;
  const perOutput = `(local.set $acc ${bias === undefined ? f32(0) : load('f32', add(i32(bias), mulConst(get('co'), 4)))})
${forLoop(
  labels,
  'ci',
  i32(0),
  i32(groupIn),
  `${set('cin', add(mulConst(get('g'), groupIn), get('ci')))}
${set('plane', add(get('in0'), mulConst(get('cin'), inHeight * inWidth * 4)))}
${set('wbase', add(i32(weight), mulConst(add(mulConst(get('cin'), groupOut), get('cg')), kh * kw * 4)))}
${forLoop(labels, 'fh', i32(0), i32(kh), forLoop(labels, 'fw', i32(0), i32(kw), tap))}`,
)}
(local.set $sv (local.get $acc))
${scalarActivation(activationSteps(call.descriptor), 'sv')}
(f32.store ${get('dst')} (local.get $sv))
${set('dst', addConst(get('dst'), 4))}`;
  const body = `${set('dst', get('out'))}
${forLoop(
  labels,
  'co',
  i32(0),
  i32(outChannels),
  `${set('g', `(i32.div_u ${get('co')} ${i32(groupOut)})`)}
${set('cg', `(i32.rem_u ${get('co')} ${i32(groupOut)})`)}
${forLoop(labels, 'oh', i32(0), i32(outHeight), forLoop(labels, 'ow', i32(0), i32(outWidth), perOutput))}`,
)}`;
  const names = ['co', 'g', 'cg', 'oh', 'ow', 'ci', 'cin', 'fh', 'fw', 'th', 'tw', 'ih', 'iw'];
  return perSample(
    env,
    values,
    body,
    {
      ...Object.fromEntries(names.map((name) => [name, 'i32'])),
      plane: 'i32',
      wbase: 'i32',
      dst: 'i32',
      acc: 'f32',
      sv: 'f32',
    },
    inChannels * inHeight * inWidth * groupOut * kh * kw,
  );
};
