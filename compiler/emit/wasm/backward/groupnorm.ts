// Backward of `groupnorm`. With x̂ = (x − μ)·r, r = 1/√(σ² + eps), g = dy·γ_c and M values per
// (sample, group): dx = r·(g − Σg/M − x̂·Σ(g·x̂)/M), dγ_c = Σ_{n,s} dy·x̂, dβ_c = Σ_{n,s} dy. The
// statistics are recomputed from the saved input by the forward's code (the same μ and r). The
// input gradient has one unit per (sample, group); the parameter gradients one unit per group that
// runs over the samples in order, accumulating per channel in float64 in its thread's scratch, so
// the result does not depend on the thread count. Sums are float64.
import {
  affine,
  groupnormGeometry,
  groupStats,
  sampleAndGroup,
  STATS_LOCALS,
  type GroupNormGeometry,
} from '../groupnorm.js';
import { valueAddress, type GeneratedKernel } from '../kernel.js';
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
import { ALL_SAMPLES, batchLoop, unitLoop, type BackwardGenerator } from './common.js';

const LOCALS: Record<string, string> = {
  ...STATS_LOCALS,
  u: 'i32',
  n: 'i32',
  g: 'i32',
  j: 'i32',
  c: 'i32',
  s: 'i32',
  src: 'i32',
  dsrc: 'i32',
  dst: 'i32',
  acc: 'i32',
  x: 'f64',
  dy: 'f64',
  gam: 'f64',
  pa: 'f64',
  pb: 'f64',
  sa: 'f64',
  sb: 'f64',
};

/**
 * `for j in group: $c = channel; before; for s: body; after` with `$x`, `$dy` loaded and `$src`,
 * `$dsrc` (and `$dst` when it `writes`) advancing.
 */
function channels(
  labels: Labels,
  g: GroupNormGeometry,
  before: string,
  body: string,
  writes: boolean,
  after = '',
): string {
  return forLoop(
    labels,
    'j',
    i32(0),
    i32(g.perGroup),
    `${set('c', add(mulConst(get('g'), g.perGroup), get('j')))}
${before}
${forLoop(
  labels,
  's',
  i32(0),
  i32(g.spatial),
  `(local.set $x (f64.promote_f32 ${load('f32', get('src'))}))
(local.set $dy (f64.promote_f32 ${load('f32', get('dsrc'))}))
${body}
${set('src', addConst(get('src'), 4))}
${set('dsrc', addConst(get('dsrc'), 4))}
${writes ? set('dst', addConst(get('dst'), 4)) : ''}`,
)}
${after}`,
  );
}

/** Per channel: `$pa = Σ dy`, `$pb = Σ dy·(x − μ)` over its positions. */
function channelSums(labels: Labels, g: GroupNormGeometry, after: string): string {
  return channels(
    labels,
    g,
    `(local.set $pa ${f64(0)})
(local.set $pb ${f64(0)})`,
    `(local.set $pa (f64.add (local.get $pa) (local.get $dy)))
(local.set $pb (f64.add (local.get $pb) (f64.mul (local.get $dy) (f64.sub (local.get $x) (local.get $mean)))))`,
    false,
    after,
  );
}

export const groupnormBackward: BackwardGenerator = (call, values, env) => {
  const g = groupnormGeometry(call);
  const [gammaName, betaName] = call.params;
  const gamma = gammaName ? env.weight(gammaName, { kind: 'plain', length: g.channels }) : null;
  const gradGamma = gammaName ? env.gradient(gammaName, g.channels) : null;
  const gradBeta = betaName ? env.gradient(betaName, g.channels) : null;
  const group = (offset: number) =>
    add(valueAddress(env, 'n', offset), mulConst(get('g'), 4 * g.size));
  const setup = set('gx', group(values.inputs[0]));
  const kernels: GeneratedKernel[] = [];
  const target = values.gradInputs[0];
  if (target !== null) {
    const labels = new Labels();
    const body = forLoop(
      labels,
      'u',
      get('u0'),
      get('u1'),
      `${sampleAndGroup(g)}
${setup}
${groupStats(labels, g)}
(local.set $sa ${f64(0)})
(local.set $sb ${f64(0)})
${set('src', get('gx'))}
${set('dsrc', group(values.gradOutput))}
${channelSums(
  labels,
  g,
  `(local.set $gam ${affine(gamma, 1)})
(local.set $sa (f64.add (local.get $sa) (f64.mul (local.get $gam) (local.get $pa))))
(local.set $sb (f64.add (local.get $sb) (f64.mul (local.get $gam) (local.get $pb))))`,
)}
;; Σg/M and Σ(g·x̂)/M
(local.set $sa (f64.div (local.get $sa) ${f64(g.size)}))
(local.set $sb (f64.div (f64.mul (local.get $sb) (local.get $invstd)) ${f64(g.size)}))
${set('src', get('gx'))}
${set('dsrc', group(values.gradOutput))}
${set('dst', group(target))}
${channels(
  labels,
  g,
  `(local.set $gam ${affine(gamma, 1)})`,
  store(
    'f32',
    get('dst'),
    `(f32.demote_f64 (f64.mul (local.get $invstd) (f64.sub (f64.sub (f64.mul (local.get $gam) (local.get $dy)) (local.get $sa))
  (f64.mul (f64.mul (f64.sub (local.get $x) (local.get $mean)) (local.get $invstd)) (local.get $sb)))))`,
  ),
  true,
)}`,
    );
    kernels.push({
      locals: LOCALS,
      body,
      samplesPerUnit: 1,
      unitsPerGroup: g.groups,
      scratchBytes: 0,
      macs: 4 * g.channels * g.spatial,
    });
  }
  if (gradGamma !== null || gradBeta !== null) {
    const labels = new Labels();
    // Scratch: dγ then dβ of the group's channels, float64.
    const accumulator = (j: string, which: 0 | 1) =>
      add(get('scr'), mulConst(addConst(j, which * g.perGroup), 8));
    const zero = forLoop(
      labels,
      'j',
      i32(0),
      i32(2 * g.perGroup),
      store('f64', add(get('scr'), mulConst(get('j'), 8)), f64(0)),
    );
    const accumulate = (which: 0 | 1, value: string) =>
      store(
        'f64',
        accumulator(get('j'), which),
        `(f64.add ${load('f64', accumulator(get('j'), which))} ${value})`,
      );
    const write = (address: number | null, which: 0 | 1) =>
      address === null
        ? ''
        : store(
            'f32',
            add(i32(address), mulConst(get('c'), 4)),
            `(f32.demote_f64 ${load('f64', accumulator(get('j'), which))})`,
          );
    const body = unitLoop(
      labels,
      `${set('g', get('u'))}
${zero}
${batchLoop(
  labels,
  `${setup}
${groupStats(labels, g)}
${set('src', get('gx'))}
${set('dsrc', group(values.gradOutput))}
${channelSums(
  labels,
  g,
  `${accumulate(0, '(f64.mul (local.get $pb) (local.get $invstd))')}
${accumulate(1, '(local.get $pa)')}`,
)}`,
)}
${forLoop(
  labels,
  'j',
  i32(0),
  i32(g.perGroup),
  `${set('c', add(mulConst(get('g'), g.perGroup), get('j')))}
${write(gradGamma, 0)}
${write(gradBeta, 1)}`,
)}`,
    );
    kernels.push({
      locals: LOCALS,
      body,
      samplesPerUnit: ALL_SAMPLES,
      unitsPerGroup: g.groups,
      scratchBytes: 16 * g.perGroup,
      macs: 3 * g.channels * g.spatial,
    });
  }
  return kernels;
};
