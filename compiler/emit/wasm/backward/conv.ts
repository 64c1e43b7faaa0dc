// Convolution (1-D, 2-D, grouped) and linear backwards. Every filter tap (ky, kx) is unrolled at
// compile time with its valid output range as constants, so the inner loops are plain strided
// streams: the input gradient is `dX[c, row] += w · dY[o, row]` (an axpy, f32x4 at stride 1) per
// sample, and the weight gradient `dW[o, c, ky, kx] = Σ_n Σ dY[n, o, ·] · X[n, c, ·]` (dot
// products) with one unit per output channel, reducing over the samples in order, so the result
// is the same for every thread count.
import type { KernelCall } from '../../target.js';
import { geometryOf, type ConvGeometry } from '../gemm.js';
import { num, perSample, valueAddress, type GeneratedKernel } from '../kernel.js';
import {
  add,
  addConst,
  f32,
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
  convInputGradGemm,
  convWeightGradGemm,
  gemmBackwardOptions,
  inputGradGemmApplies,
  weightGradGemmApplies,
} from './conv-gemm.js';
import { convInputGradVector, convVectorApplies, convWeightGradVector } from './conv-vector.js';
import {
  ALL_SAMPLES,
  axpy,
  batchLoop,
  dot,
  LOOP_LOCALS,
  unitLoop,
  zero,
  type BackwardEnv,
  type BackwardGenerator,
  type BackwardValues,
} from './common.js';

/** The outputs `o` of one axis whose tap `k` reads inside the input: `[lo, hi)`. */
function validRange(
  k: number,
  out: number,
  size: number,
  stride: number,
  dilation: number,
  pad: number,
): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - k * dilation) / stride));
  const hi = Math.min(out, Math.floor((size - 1 + pad - k * dilation) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Whether the wasm target has this convolution's backward (zero padding, no fused activation). */
export function convBackwardSupported(call: KernelCall): boolean {
  const activation = call.descriptor.activation as { kind?: string } | undefined;
  const g = geometryOf(call);
  return g.padMode === 'zeros' && (!activation || activation.kind === 'identity');
}

interface Tap {
  ky: number;
  kx: number;
  oy: [number, number];
  ox: [number, number];
  /** Byte offset in an input plane of output (oy, ox) = (0, 0)'s tap, may be negative. */
  base: number;
}

function taps(g: ConvGeometry): Tap[] {
  const list: Tap[] = [];
  for (let ky = 0; ky < g.filterHeight; ky++)
    for (let kx = 0; kx < g.filterWidth; kx++) {
      const oy = validRange(
        ky,
        g.outHeight,
        g.inHeight,
        g.strideHeight,
        g.dilationHeight,
        g.padTop,
      );
      const ox = validRange(kx, g.outWidth, g.inWidth, g.strideWidth, g.dilationWidth, g.padLeft);
      const base =
        4 * ((ky * g.dilationHeight - g.padTop) * g.inWidth + kx * g.dilationWidth - g.padLeft);
      list.push({ ky, kx, oy, ox, base });
    }
  return list;
}

const CONV_LOCALS: Record<string, string> = {
  cl: 'i32',
  ...LOOP_LOCALS,
  u: 'i32',
  n: 'i32',
  o: 'i32',
  c: 'i32',
  oy: 'i32',
  w: 'f32',
  wrow: 'i32',
  plane: 'i32',
  dplane: 'i32',
  xrow: 'i32',
  drow: 'i32',
  gw: 'i32',
  bsum: 'f32',
};

/** `dX = Σ_o Σ_taps w · dY` for the sample in `$n` (`$in0` = dY, `$out` = dX). */
function convInputGrad(call: KernelCall, values: BackwardValues, env: BackwardEnv) {
  const g = geometryOf(call);
  const labels = new Labels();
  const inPer = g.inChannels / g.groups;
  const outPer = g.outChannels / g.groups;
  const depth = inPer * g.filterHeight * g.filterWidth;
  const params = call.params;
  const weight = env.weight(params[0] as string, {
    kind: 'plain',
    length: g.outChannels * depth,
  });
  const inPlane = 4 * g.inHeight * g.inWidth;
  const outPlane = 4 * g.outHeight * g.outWidth;
  const perTap = taps(g).map((tap) => {
    const count = tap.ox[1] - tap.ox[0];
    if (count === 0 || tap.oy[1] === tap.oy[0]) return '';
    return `(local.set $w ${load('f32', get('wrow'), 4 * (tap.ky * g.filterWidth + tap.kx))})
${forLoop(
  labels,
  'oy',
  i32(tap.oy[0]),
  i32(tap.oy[1]),
  `${set('xrow', addConst(add(get('plane'), mulConst(get('oy'), 4 * g.strideHeight * g.inWidth)), tap.base + 4 * tap.ox[0] * g.strideWidth))}
${set('drow', addConst(add(get('dplane'), mulConst(get('oy'), 4 * g.outWidth)), 4 * tap.ox[0]))}
${strideAxpy(labels, get('xrow'), get('drow'), 'w', count, g.strideWidth)}`,
)}`;
  });
  const body = `${zero(labels, get('out'), g.inChannels * g.inHeight * g.inWidth)}
${set('wrow', i32(weight))}
${forLoop(
  labels,
  'o',
  i32(0),
  i32(g.outChannels),
  `${set('dplane', add(get('in0'), mulConst(get('o'), outPlane)))}
${set('c', g.groups === 1 ? i32(0) : mulConst(`(i32.div_u ${get('o')} ${i32(outPer)})`, inPer))}
${set('plane', add(get('out'), mulConst(get('c'), inPlane)))}
${channelLoop(
  labels,
  inPer,
  `${perTap.join('\n')}
${set('plane', addConst(get('plane'), inPlane))}
${set('wrow', addConst(get('wrow'), 4 * g.filterHeight * g.filterWidth))}`,
)}`,
)}`;
  return perSample(
    env,
    { inputs: [values.gradOutput], output: values.gradInputs[0] as number },
    body,
    CONV_LOCALS,
    g.outChannels * g.outHeight * g.outWidth * depth,
  );
}

/** `y[i·stride] += a · x[i]` (the scatter of a strided convolution's input gradient). */
function strideAxpy(
  labels: Labels,
  y: string,
  x: string,
  a: string,
  count: number,
  stride: number,
): string {
  if (stride === 1) return axpy(labels, y, x, a, count);
  return forLoop(
    labels,
    'li',
    i32(0),
    i32(count),
    store(
      'f32',
      add(y, mulConst(get('li'), 4 * stride)),
      `(f32.add ${load('f32', add(y, mulConst(get('li'), 4 * stride)))} (f32.mul (local.get $${a}) ${load('f32', add(x, mulConst(get('li'), 4)))}))`,
    ),
  );
}

/**
 * `dW[o] = Σ_n Σ_taps dY[n, o] · X[n, c]` and `db[o] = Σ_n Σ dY[n, o]` with one unit per output
 * channel `o`, samples in order.
 */
function convWeightGrad(call: KernelCall, values: BackwardValues, env: BackwardEnv) {
  const g = geometryOf(call);
  const labels = new Labels();
  const inPer = g.inChannels / g.groups;
  const outPer = g.outChannels / g.groups;
  const khw = g.filterHeight * g.filterWidth;
  const depth = inPer * khw;
  const [weightName, biasName] = call.params;
  const gradW = env.gradient(weightName as string, g.outChannels * depth);
  const gradB = biasName ? env.gradient(biasName, g.outChannels) : null;
  const inPlane = 4 * g.inHeight * g.inWidth;
  const outPlane = 4 * g.outHeight * g.outWidth;
  const outCount = g.outHeight * g.outWidth;
  const perTap = taps(g).map((tap) => {
    const count = tap.ox[1] - tap.ox[0];
    const address = 4 * (tap.ky * g.filterWidth + tap.kx);
    if (count === 0 || tap.oy[1] === tap.oy[0]) return '';
    return `(local.set $lsum ${f32(0)})
${forLoop(
  labels,
  'oy',
  i32(tap.oy[0]),
  i32(tap.oy[1]),
  `${set('xrow', addConst(add(get('plane'), mulConst(get('oy'), 4 * g.strideHeight * g.inWidth)), tap.base + 4 * tap.ox[0] * g.strideWidth))}
${set('drow', addConst(add(get('dplane'), mulConst(get('oy'), 4 * g.outWidth)), 4 * tap.ox[0]))}
${dot(labels, get('drow'), get('xrow'), count, g.strideWidth)}`,
)}
${store('f32', get('wrow'), `(f32.add ${load('f32', get('wrow'), address)} (local.get $lsum))`, address)}`;
  });
  const biasSum = gradB
    ? `(local.set $lsum ${f32(0)})
${forLoop(labels, 'oy', i32(0), i32(outCount), set('lsum', `(f32.add (local.get $lsum) ${load('f32', add(get('dplane'), mulConst(get('oy'), 4)))})`))}
(local.set $bsum (f32.add (local.get $bsum) (local.get $lsum)))`
    : '';
  const body = unitLoop(
    labels,
    `${set('o', get('u'))}
${set('gw', addConst(mulConst(get('o'), 4 * depth), gradW))}
${zero(labels, get('gw'), depth)}
(local.set $bsum ${f32(0)})
${set('c', g.groups === 1 ? i32(0) : mulConst(`(i32.div_u ${get('o')} ${i32(outPer)})`, inPer))}
${batchLoop(
  labels,
  `${set('dplane', add(valueAddress(env, 'n', values.gradOutput), mulConst(get('o'), outPlane)))}
${biasSum}
${set('plane', add(valueAddress(env, 'n', values.inputs[0]), mulConst(get('c'), inPlane)))}
${set('wrow', get('gw'))}
${channelLoop(
  labels,
  inPer,
  `${perTap.join('\n')}
${set('plane', addConst(get('plane'), inPlane))}
${set('wrow', addConst(get('wrow'), 4 * khw))}`,
)}`,
)}
${gradB ? store('f32', addConst(mulConst(get('o'), 4), gradB), '(local.get $bsum)') : ''}`,
  );
  const kernel: GeneratedKernel = {
    locals: CONV_LOCALS,
    body,
    samplesPerUnit: ALL_SAMPLES,
    unitsPerGroup: g.outChannels,
    scratchBytes: 0,
    macs: g.outChannels * outCount * depth,
  };
  return kernel;
}

/** `body` repeated for `count` input channels (a loop over `$cl`). */
function channelLoop(labels: Labels, count: number, body: string): string {
  return forLoop(labels, 'cl', i32(0), i32(count), body);
}

/**
 * Backward of `conv2d`, `conv2dIm2col` and `conv1d`: the weight gradient, then the input gradient;
 * register-blocked (./conv-vector.ts) for stride 1 without groups where its padded copies fit,
 * else as GEMMs (./conv-gemm.ts) for a large ungrouped one, tap-unrolled otherwise.
 */
export const convBackward: BackwardGenerator = (call, values, env) => {
  // The register-blocked kernels where they apply (ResNet-18's stride-1 layers past the first
  // stage: dW 33–50 ms against the GEMM's 58–63, dX even, batch 8, one thread), else the GEMMs
  // for large layers (its first stage: 107 → 63 ms and 105 → 71 ms; strided 3×3: 170–210 → 30).
  const vector = convVectorApplies(call);
  const gemm = (!vector || gemmBackwardOptions.overVector) && weightGradGemmApplies(call);
  const weightGrad = gemm ? convWeightGradGemm : vector ? convWeightGradVector : convWeightGrad;
  const kernels = [weightGrad(call, values, env)];
  if (values.gradInputs[0] !== null) {
    if (gemm && inputGradGemmApplies(call)) kernels.push(...convInputGradGemm(call, values, env));
    else kernels.push((vector ? convInputGradVector : convInputGrad)(call, values, env));
  }
  return kernels;
};

/** Backward of `linear`: `dW[o] = Σ_n dY[n, o] · X[n]`, `db[o] = Σ_n dY[n, o]`, `dX[n] = Σ_o dY[n, o] · W[o]`. */
export const linearBackward: BackwardGenerator = (call, values, env) => {
  const inF = num(call, 'inFeatures');
  const outF = num(call, 'outFeatures');
  const [weightName, biasName] = call.params;
  const gradW = env.gradient(weightName as string, outF * inF);
  const gradB = biasName ? env.gradient(biasName, outF) : null;
  const labels = new Labels();
  const weightBody = unitLoop(
    labels,
    `${set('gw', addConst(mulConst(get('u'), 4 * inF), gradW))}
${zero(labels, get('gw'), inF)}
(local.set $bsum ${f32(0)})
${batchLoop(
  labels,
  `(local.set $w ${load('f32', add(valueAddress(env, 'n', values.gradOutput), mulConst(get('u'), 4)))})
(local.set $bsum (f32.add (local.get $bsum) (local.get $w)))
${set('xrow', valueAddress(env, 'n', values.inputs[0]))}
${axpy(labels, get('gw'), get('xrow'), 'w', inF)}`,
)}
${gradB ? store('f32', addConst(mulConst(get('u'), 4), gradB), '(local.get $bsum)') : ''}`,
  );
  const kernels: GeneratedKernel[] = [
    {
      locals: CONV_LOCALS,
      body: weightBody,
      samplesPerUnit: ALL_SAMPLES,
      unitsPerGroup: outF,
      scratchBytes: 0,
      macs: outF * inF,
    },
  ];
  if (values.gradInputs[0] !== null) {
    const inputLabels = new Labels();
    const weight = env.weight(weightName as string, { kind: 'plain', length: outF * inF });
    const body = `${zero(inputLabels, get('out'), inF)}
${forLoop(
  inputLabels,
  'o',
  i32(0),
  i32(outF),
  `(local.set $w ${load('f32', add(get('in0'), mulConst(get('o'), 4)))})
${set('wrow', addConst(mulConst(get('o'), 4 * inF), weight))}
${axpy(inputLabels, get('out'), get('wrow'), 'w', inF)}`,
)}`;
    kernels.push(
      perSample(
        env,
        { inputs: [values.gradOutput], output: values.gradInputs[0] },
        body,
        CONV_LOCALS,
        outF * inF,
      ),
    );
  }
  return kernels;
};
