// `groupnorm` (PyTorch `nn.GroupNorm`) on the wasm target: one unit per (sample, group), whose
// `channels/groups · spatial` values are contiguous. The mean and the biased variance are two
// passes in float64 (f64x2 over f32x4 loads); the output is `(x − μ)·(γ_c·r) + β_c` per channel in
// f32x4, r = 1/√(σ² + eps) rounded once. The statistics code is shared with the backward, which
// recomputes them from the saved input, so both see the same μ and r.
import type { KernelCall } from '../target.js';
import {
  num,
  valueAddress,
  type CallValues,
  type GeneratedKernel,
  type KernelEnv,
} from './kernel.js';
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
} from './wat.js';

/** The constants of a `groupnorm` call. */
export interface GroupNormGeometry {
  channels: number;
  spatial: number;
  groups: number;
  perGroup: number;
  /** Values per (sample, group). */
  size: number;
  eps: number;
}

export function groupnormGeometry(call: KernelCall): GroupNormGeometry {
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const groups = num(call, 'groups');
  const perGroup = channels / groups;
  return { channels, spatial, groups, perGroup, size: perGroup * spatial, eps: num(call, 'eps') };
}

/** The upper two lanes of an f32x4 moved to the lower two (for `f64x2.promote_low_f32x4`). */
const HIGH_HALF = '8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15';

const lanes = (v: string) => `(f64.add (f64x2.extract_lane 0 ${v}) (f64x2.extract_lane 1 ${v}))`;

/**
 * Statements setting `$mean` and `$invstd` (f64) of the `g.size` floats at `$gx`: Σx, then
 * Σ(x − μ)², each over f64x2 pairs of f32x4 loads and a scalar tail, in a fixed order.
 */
export function groupStats(labels: Labels, g: GroupNormGeometry): string {
  const vectors = Math.floor(g.size / 4);
  const pass = (
    term: (v: string) => string,
    scalar: (x: string) => string,
    total: string,
  ) => `(local.set $acc0 (v128.const i64x2 0 0))
(local.set $acc1 (v128.const i64x2 0 0))
${
  vectors > 0
    ? forLoop(
        labels,
        'i',
        i32(0),
        i32(vectors),
        `(local.set $vx ${load('v128', add(get('gx'), mulConst(get('i'), 16)))})
(local.set $acc0 (f64x2.add (local.get $acc0) ${term('(f64x2.promote_low_f32x4 (local.get $vx))')}))
(local.set $acc1 (f64x2.add (local.get $acc1) ${term(`(f64x2.promote_low_f32x4 (i8x16.shuffle ${HIGH_HALF} (local.get $vx) (local.get $vx)))`)}))`,
      )
    : ''
}
(local.set $${total} (f64.add ${lanes('(local.get $acc0)')} ${lanes('(local.get $acc1)')}))
${forLoop(
  labels,
  'i',
  i32(vectors * 4),
  i32(g.size),
  `(local.set $${total} (f64.add (local.get $${total}) ${scalar(`(f64.promote_f32 ${load('f32', add(get('gx'), mulConst(get('i'), 4)))})`)}))`,
)}`;
  return `${pass(
    (v) => v,
    (x) => x,
    'sum',
  )}
(local.set $mean (f64.div (local.get $sum) ${f64(g.size)}))
(local.set $vmean (f64x2.splat (local.get $mean)))
${pass(
  (v) => `(f64x2.mul (f64x2.sub ${v} (local.get $vmean)) (f64x2.sub ${v} (local.get $vmean)))`,
  (x) => `(f64.mul (f64.sub ${x} (local.get $mean)) (f64.sub ${x} (local.get $mean)))`,
  'sum2',
)}
(local.set $invstd (f64.div ${f64(1)} (f64.sqrt (f64.add (f64.div (local.get $sum2) ${f64(g.size)}) ${f64(g.eps)}))))`;
}

/** Locals of {@link groupStats}. */
export const STATS_LOCALS: Record<string, string> = {
  i: 'i32',
  gx: 'i32',
  vx: 'v128',
  acc0: 'v128',
  acc1: 'v128',
  vmean: 'v128',
  sum: 'f64',
  sum2: 'f64',
  mean: 'f64',
  invstd: 'f64',
};

/** `$n` and `$g` of unit `$u` over (sample, group). */
export function sampleAndGroup(g: GroupNormGeometry): string {
  return `${set('n', `(i32.div_u ${get('u')} ${i32(g.groups)})`)}
${set('g', `(i32.rem_u ${get('u')} ${i32(g.groups)})`)}`;
}

/** γ_c (or 1) and β_c (or 0) of channel `$c` as f64. */
export function affine(address: number | null, fallback: number): string {
  return address === null
    ? f64(fallback)
    : `(f64.promote_f32 ${load('f32', add(i32(address), mulConst(get('c'), 4)))})`;
}

/** `groupnorm`: per (sample, group) statistics, then per channel `(x − μ)·scale + β` in f32x4. */
export function groupnormKernel(
  call: KernelCall,
  values: CallValues,
  env: KernelEnv,
): GeneratedKernel {
  const labels = new Labels();
  const g = groupnormGeometry(call);
  const [gammaName, betaName] = call.params;
  const gamma = gammaName ? env.weight(gammaName, { kind: 'plain', length: g.channels }) : null;
  const beta = betaName ? env.weight(betaName, { kind: 'plain', length: g.channels }) : null;
  const vectors = Math.floor(g.spatial / 4);
  const perChannel = `${set('c', add(mulConst(get('g'), g.perGroup), get('j')))}
(local.set $scale (f32.demote_f64 (f64.mul (local.get $invstd) ${affine(gamma, 1)})))
(local.set $shift (f32.demote_f64 ${affine(beta, 0)}))
(local.set $vscale (f32x4.splat (local.get $scale)))
(local.set $vshift (f32x4.splat (local.get $shift)))
${
  vectors > 0
    ? forLoop(
        labels,
        's',
        i32(0),
        i32(vectors),
        `${store('v128', get('dst'), `(f32x4.add (f32x4.mul (f32x4.sub ${load('v128', get('src'))} (local.get $vm)) (local.get $vscale)) (local.get $vshift))`)}
${set('src', addConst(get('src'), 16))}
${set('dst', addConst(get('dst'), 16))}`,
      )
    : ''
}
${forLoop(
  labels,
  's',
  i32(vectors * 4),
  i32(g.spatial),
  `${store('f32', get('dst'), `(f32.add (f32.mul (f32.sub ${load('f32', get('src'))} (local.get $m)) (local.get $scale)) (local.get $shift))`)}
${set('src', addConst(get('src'), 4))}
${set('dst', addConst(get('dst'), 4))}`,
)}`;
  const body = forLoop(
    labels,
    'u',
    get('u0'),
    get('u1'),
    `${sampleAndGroup(g)}
${set('gx', add(valueAddress(env, 'n', values.inputs[0]), mulConst(get('g'), 4 * g.size)))}
${groupStats(labels, g)}
(local.set $m (f32.demote_f64 (local.get $mean)))
(local.set $vm (f32x4.splat (local.get $m)))
${set('src', get('gx'))}
${set('dst', add(valueAddress(env, 'n', values.output), mulConst(get('g'), 4 * g.size)))}
${forLoop(labels, 'j', i32(0), i32(g.perGroup), perChannel)}`,
  );
  return {
    locals: {
      ...STATS_LOCALS,
      u: 'i32',
      n: 'i32',
      g: 'i32',
      j: 'i32',
      c: 'i32',
      s: 'i32',
      src: 'i32',
      dst: 'i32',
      m: 'f32',
      scale: 'f32',
      shift: 'f32',
      vm: 'v128',
      vscale: 'v128',
      vshift: 'v128',
    },
    body,
    samplesPerUnit: 1,
    unitsPerGroup: g.groups,
    scratchBytes: 0,
    macs: 4 * g.channels * g.spatial,
  };
}
