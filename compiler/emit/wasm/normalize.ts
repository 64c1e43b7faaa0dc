// The wasm target's `normalize`: y = (x − mean) / std per channel, computed in float64 from the
// float32 input and buffers and rounded once; its backward is the same loop without the mean
// (∂L/∂x = ∂L/∂y / std). One unit per sample; the buffers are read from the weight region, so
// weights loaded or adapted after creation apply like any parameter.
import type { KernelCall } from '../target.js';
import type { BackwardGenerator } from './backward/common.js';
import {
  num,
  perSample,
  type CallValues,
  type GeneratedKernel,
  type KernelEnv,
  type KernelGenerator,
} from './kernel.js';
import { add, addConst, f64, forLoop, get, i32, Labels, load, mulConst, set } from './wat.js';

/** Addresses of the `[channels]` buffers `mean` and `std` of a normalize call. */
function buffers(call: KernelCall, env: KernelEnv): [number, number] {
  const [mean, std] = call.params.map((name) =>
    name === null ? undefined : env.weight(name, { kind: 'plain', length: num(call, 'channels') }),
  );
  if (mean === undefined || std === undefined)
    throw new Error('internal error: normalize without its mean and std');
  return [mean, std];
}

/** `out = (in0 − mean[c]) / std[c]` per sample; no mean (`undefined`) subtracts zero. */
function perChannel(
  call: KernelCall,
  values: CallValues,
  env: KernelEnv,
  mean: number | undefined,
  std: number,
): GeneratedKernel {
  const labels = new Labels();
  const channels = num(call, 'channels');
  const spatial = num(call, 'spatial');
  const at = (address: number) =>
    `(f64.promote_f32 ${load('f32', add(i32(address), mulConst(get('c'), 4)))})`;
  const channel = `(local.set $m ${mean === undefined ? f64(0) : at(mean)})
(local.set $d ${at(std)})
${forLoop(
  labels,
  's',
  i32(0),
  i32(spatial),
  `(f32.store ${get('dst')} (f32.demote_f64 (f64.div (f64.sub (f64.promote_f32 ${load('f32', get('src'))}) (local.get $m)) (local.get $d))))
${set('src', addConst(get('src'), 4))}
${set('dst', addConst(get('dst'), 4))}`,
)}`;
  const body = `${set('src', get('in0'))}
${set('dst', get('out'))}
${forLoop(labels, 'c', i32(0), i32(channels), channel)}`;
  return perSample(env, values, body, {
    c: 'i32',
    s: 'i32',
    src: 'i32',
    dst: 'i32',
    m: 'f64',
    d: 'f64',
  });
}

/** `normalize` with its `mean` and `std` buffers. */
export const normalizeKernel: KernelGenerator = (call, values, env) => {
  const [mean, std] = buffers(call, env);
  return perChannel(call, values, env, mean, std);
};

/** Backward of `normalize`: the input gradient ∂L/∂y / std, when one is needed (no buffer gets one). */
export const normalizeBackward: BackwardGenerator = (call, values, env) => {
  const target = values.gradInputs[0];
  if (target === null || target === undefined) return [];
  const [, std] = buffers(call, env);
  return [perChannel(call, { inputs: [values.gradOutput], output: target }, env, undefined, std)];
};
