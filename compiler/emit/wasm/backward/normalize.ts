// Training-mode BatchNorm and dropout. BatchNorm uses the batch statistics: one unit per channel
// reduces over the samples in order (float64 sums), stores mean, 1/√(var + ε) and the biased
// variance at a constant address (the runtime updates the running statistics from them, as
// PyTorch: unbiased variance, momentum), normalises, and its backward reduces Σdy and Σdy·x̂ the
// same way. Dropout multiplies by a mask the runtime draws from the seeded generator.
import type { KernelCall } from '../../target.js';
import { num, perSample, valueAddress, type GeneratedKernel, type KernelEnv } from '../kernel.js';
import {
  add,
  addConst,
  f64,
  forLoop,
  get,
  i32,
  Labels,
  load,
  mulConst,
  set,
  store,
} from '../wat.js';
import {
  ALL_SAMPLES,
  batchLoop,
  unitLoop,
  type BackwardEnv,
  type BackwardValues,
} from './common.js';

const BN_LOCALS: Record<string, string> = {
  u: 'i32',
  n: 'i32',
  s: 'i32',
  src: 'i32',
  dsrc: 'i32',
  dst: 'i32',
  sum: 'f64',
  sum2: 'f64',
  mean: 'f64',
  invstd: 'f64',
  gamma: 'f64',
  beta: 'f64',
  count: 'f64',
  xhat: 'f64',
  dy: 'f64',
};

/** `for n in batch, s in spatial` with `$src` at x[n, c, s] (and `$dsrc` at dy, `$dst` at the output). */
function channelStream(
  labels: Labels,
  env: KernelEnv,
  planes: { src: number; dsrc?: number; dst?: number },
  spatial: number,
  body: string,
): string {
  const at = (offset: number) =>
    add(valueAddress(env, 'n', offset), mulConst(get('u'), 4 * spatial));
  return batchLoop(
    labels,
    `${set('src', at(planes.src))}
${planes.dsrc !== undefined ? set('dsrc', at(planes.dsrc)) : ''}
${planes.dst !== undefined ? set('dst', at(planes.dst)) : ''}
${forLoop(
  labels,
  's',
  i32(0),
  i32(spatial),
  `${body}
${set('src', addConst(get('src'), 4))}
${planes.dsrc !== undefined ? set('dsrc', addConst(get('dsrc'), 4)) : ''}
${planes.dst !== undefined ? set('dst', addConst(get('dst'), 4)) : ''}`,
)}`,
  );
}

const x = `(f64.promote_f32 ${load('f32', get('src'))})`;
const param = (address: number | null, fallback: number) =>
  address === null
    ? f64(fallback)
    : `(f64.promote_f32 ${load('f32', add(i32(address), mulConst(get('u'), 4)))})`;

/** The statistics BatchNorm's training forward stores per channel: mean, 1/√(var+ε), var. */
export const STATS_PER_CHANNEL = 3;

/** Training-mode BatchNorm forward; `stats` is the constant address of its statistics. */
export function batchnormTrainForward(
  call: KernelCall,
  values: { inputs: number[]; output: number },
  env: KernelEnv,
  stats: number,
): GeneratedKernel {
  const labels = new Labels();
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const eps = num(call, 'eps');
  const [gammaName, betaName] = call.params;
  const gamma = gammaName ? env.weight(gammaName, { kind: 'plain', length: channels }) : null;
  const beta = betaName ? env.weight(betaName, { kind: 'plain', length: channels }) : null;
  const statBase = add(i32(stats), mulConst(get('u'), 4 * STATS_PER_CHANNEL));
  const body = unitLoop(
    labels,
    `(local.set $count (f64.convert_i32_u (i32.mul ${get('batch')} ${i32(spatial)})))
(local.set $sum ${f64(0)})
${channelStream(labels, env, { src: values.inputs[0] }, spatial, `(local.set $sum (f64.add (local.get $sum) ${x}))`)}
(local.set $mean (f64.div (local.get $sum) (local.get $count)))
(local.set $sum2 ${f64(0)})
${channelStream(
  labels,
  env,
  { src: values.inputs[0] },
  spatial,
  `(local.set $xhat (f64.sub ${x} (local.get $mean)))
(local.set $sum2 (f64.add (local.get $sum2) (f64.mul (local.get $xhat) (local.get $xhat))))`,
)}
(local.set $invstd (f64.div ${f64(1)} (f64.sqrt (f64.add (f64.div (local.get $sum2) (local.get $count)) ${f64(eps)}))))
${store('f32', statBase, '(f32.demote_f64 (local.get $mean))', 0)}
${store('f32', statBase, '(f32.demote_f64 (local.get $invstd))', 4)}
${store('f32', statBase, '(f32.demote_f64 (f64.div (local.get $sum2) (local.get $count)))', 8)}
(local.set $gamma ${param(gamma, 1)})
(local.set $beta ${param(beta, 0)})
${channelStream(
  labels,
  env,
  { src: values.inputs[0], dst: values.output },
  spatial,
  store(
    'f32',
    get('dst'),
    `(f32.demote_f64 (f64.add (f64.mul (f64.mul (f64.sub ${x} (local.get $mean)) (local.get $invstd)) (local.get $gamma)) (local.get $beta)))`,
  ),
)}`,
  );
  return {
    locals: BN_LOCALS,
    body,
    samplesPerUnit: ALL_SAMPLES,
    unitsPerGroup: channels,
    scratchBytes: 0,
    macs: 3 * channels * spatial,
  };
}

/** BatchNorm backward with batch statistics: dγ = Σdy·x̂, dβ = Σdy, dx = γ·σ⁻¹·(dy − Σdy/M − x̂·Σdy·x̂/M). */
export function batchnormBackward(
  call: KernelCall,
  values: BackwardValues,
  env: BackwardEnv,
  stats: number,
): GeneratedKernel[] {
  const labels = new Labels();
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const [gammaName, betaName] = call.params;
  const gamma = gammaName ? env.weight(gammaName, { kind: 'plain', length: channels }) : null;
  const gradGamma = gammaName ? env.gradient(gammaName, channels) : null;
  const gradBeta = betaName ? env.gradient(betaName, channels) : null;
  const stat = (offset: number) =>
    `(f64.promote_f32 ${load('f32', add(i32(stats), mulConst(get('u'), 4 * STATS_PER_CHANNEL)), offset)})`;
  const xhat = `(local.set $xhat (f64.mul (f64.sub ${x} (local.get $mean)) (local.get $invstd)))
(local.set $dy (f64.promote_f32 ${load('f32', get('dsrc'))}))`;
  const target = values.gradInputs[0];
  const body = unitLoop(
    labels,
    `(local.set $count (f64.convert_i32_u (i32.mul ${get('batch')} ${i32(spatial)})))
(local.set $mean ${stat(0)})
(local.set $invstd ${stat(4)})
(local.set $sum ${f64(0)})
(local.set $sum2 ${f64(0)})
${channelStream(
  labels,
  env,
  { src: values.inputs[0], dsrc: values.gradOutput },
  spatial,
  `${xhat}
(local.set $sum (f64.add (local.get $sum) (local.get $dy)))
(local.set $sum2 (f64.add (local.get $sum2) (f64.mul (local.get $dy) (local.get $xhat))))`,
)}
${gradGamma !== null ? store('f32', add(i32(gradGamma), mulConst(get('u'), 4)), '(f32.demote_f64 (local.get $sum2))') : ''}
${gradBeta !== null ? store('f32', add(i32(gradBeta), mulConst(get('u'), 4)), '(f32.demote_f64 (local.get $sum))') : ''}
${
  target === null
    ? ''
    : `(local.set $gamma ${param(gamma, 1)})
(local.set $sum (f64.div (local.get $sum) (local.get $count)))
(local.set $sum2 (f64.div (local.get $sum2) (local.get $count)))
${channelStream(
  labels,
  env,
  { src: values.inputs[0], dsrc: values.gradOutput, dst: target },
  spatial,
  `${xhat}
${store('f32', get('dst'), '(f32.demote_f64 (f64.mul (f64.mul (local.get $gamma) (local.get $invstd)) (f64.sub (f64.sub (local.get $dy) (local.get $sum)) (f64.mul (local.get $xhat) (local.get $sum2)))))')}`,
)}`
}`,
  );
  return [
    {
      locals: BN_LOCALS,
      body,
      samplesPerUnit: ALL_SAMPLES,
      unitsPerGroup: channels,
      scratchBytes: 0,
      macs: 4 * channels * spatial,
    },
  ];
}

/** `out = a · b` elementwise over `count` floats per sample (dropout's mask, both ways). */
export function multiplyKernel(
  env: KernelEnv,
  a: number,
  b: number,
  output: number,
  count: number,
): GeneratedKernel {
  const labels = new Labels();
  const vectors = Math.floor(count / 4);
  const body = `${forLoop(
    labels,
    'i',
    i32(0),
    i32(vectors),
    `${set('off', mulConst(get('i'), 16))}
${store('v128', add(get('out'), get('off')), `(f32x4.mul ${load('v128', add(get('in0'), get('off')))} ${load('v128', add(get('in1'), get('off')))})`)}`,
  )}
${forLoop(
  labels,
  'i',
  i32(vectors * 4),
  i32(count),
  `${set('off', mulConst(get('i'), 4))}
${store('f32', add(get('out'), get('off')), `(f32.mul ${load('f32', add(get('in0'), get('off')))} ${load('f32', add(get('in1'), get('off')))})`)}`,
)}`;
  return perSample(env, { inputs: [a, b], output }, body, { i: 'i32', off: 'i32' });
}
