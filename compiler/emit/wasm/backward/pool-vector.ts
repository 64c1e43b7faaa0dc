// The backward of a 2×2, stride-2, unpadded max pooling that tiles its input exactly (LeNet-5's
// two poolings), four outputs per f32x4: each window's gradient goes to its first maximum in
// row-major order (a later element wins only when strictly greater, as in `poolBackward` of
// ./simple.ts, which handles every other pooling), and every input gets `0 + gradient` or 0, the
// same bits as that kernel's zero-then-accumulate. Windows do not overlap, so each input is
// written once, with no zeroing pass.
import type { KernelCall } from '../../target.js';
import { num, perSample } from '../kernel.js';
import { addConst, f32, forLoop, get, i32, Labels, load, set, store } from '../wat.js';
import type { BackwardGenerator } from './common.js';
import { poolBackward } from './simple.js';

/** Whether the vector kernel applies: max, 2×2, stride 2, no padding, input exactly 2× output. */
export function poolVectorApplies(call: KernelCall): boolean {
  const d = (key: string) => num(call, key);
  return (
    call.descriptor.kind === 'max' &&
    d('kernelHeight') === 2 &&
    d('kernelWidth') === 2 &&
    d('strideHeight') === 2 &&
    d('strideWidth') === 2 &&
    d('padTop') + d('padBottom') + d('padLeft') + d('padRight') === 0 &&
    d('inHeight') === 2 * d('outHeight') &&
    d('inWidth') === 2 * d('outWidth')
  );
}

const EVEN = '0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';
const ODD = '4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31';
/** Lanes (a0, b0, a1, b1) and (a2, b2, a3, b3) of two f32x4. */
const LOW = '0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23';
const HIGH = '8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31';
const ZERO = '(v128.const i32x4 0 0 0 0)';

/** 2×2 stride-2 max pooling backward, one unit per sample, else {@link poolBackward}. */
export const poolBackwardVector: BackwardGenerator = (call, values, env) => {
  if (values.gradInputs[0] === null || !poolVectorApplies(call))
    return poolBackward(call, values, env);
  const labels = new Labels();
  const channels = num(call, 'channels');
  const outH = num(call, 'outHeight');
  const outW = num(call, 'outWidth');
  const inW = 2 * outW;
  const vectors = Math.floor(outW / 4);
  const row = 4 * inW;
  // Masks of the winner among a, b, c, d (row-major), then the gradient where it won.
  const choose = (
    gt: (x: string, y: string) => string,
    pick: (mask: string, x: string, y: string) => string,
    and: (x: string, mask: string) => string,
    andNot: (x: string, mask: string) => string,
  ) => `${set('mb', gt(get('b'), get('a')))}
${set('best', pick(get('mb'), get('b'), get('a')))}
${set('mc', gt(get('c'), get('best')))}
${set('best', pick(get('mc'), get('c'), get('best')))}
${set('md', gt(get('d'), get('best')))}
${set('gd', and(get('g'), get('md')))}
${set('gc', andNot(and(get('g'), get('mc')), get('md')))}
${set('gb', andNot(andNot(and(get('g'), get('mb')), get('mc')), get('md')))}
${set('ga', andNot(andNot(andNot(get('g'), get('mb')), get('mc')), get('md')))}`;
  const vectorStep = `${set('a', `(i8x16.shuffle ${EVEN} ${load('v128', get('px'))} ${load('v128', get('px'), 16)})`)}
${set('b', `(i8x16.shuffle ${ODD} ${load('v128', get('px'))} ${load('v128', get('px'), 16)})`)}
${set('c', `(i8x16.shuffle ${EVEN} ${load('v128', get('px'), row)} ${load('v128', get('px'), row + 16)})`)}
${set('d', `(i8x16.shuffle ${ODD} ${load('v128', get('px'), row)} ${load('v128', get('px'), row + 16)})`)}
${set('g', load('v128', get('pg')))}
${choose(
  (x, y) => `(f32x4.gt ${x} ${y})`,
  (mask, x, y) => `(v128.bitselect ${x} ${y} ${mask})`,
  (x, mask) => `(v128.and ${x} ${mask})`,
  (x, mask) => `(v128.andnot ${x} ${mask})`,
)}
${store('v128', get('pd'), `(f32x4.add ${ZERO} (i8x16.shuffle ${LOW} ${get('ga')} ${get('gb')}))`)}
${store('v128', get('pd'), `(f32x4.add ${ZERO} (i8x16.shuffle ${HIGH} ${get('ga')} ${get('gb')}))`, 16)}
${store('v128', get('pd'), `(f32x4.add ${ZERO} (i8x16.shuffle ${LOW} ${get('gc')} ${get('gd')}))`, row)}
${store('v128', get('pd'), `(f32x4.add ${ZERO} (i8x16.shuffle ${HIGH} ${get('gc')} ${get('gd')}))`, row + 16)}
${set('px', addConst(get('px'), 32))}
${set('pd', addConst(get('pd'), 32))}
${set('pg', addConst(get('pg'), 16))}`;
  // One output at a time past the last whole vector, with the same choices in scalars.
  const scalarStep = `${set('sa', load('f32', get('px')))}
${set('sb', load('f32', get('px'), 4))}
${set('sc', load('f32', get('px'), row))}
${set('sd', load('f32', get('px'), row + 4))}
${set('sg', load('f32', get('pg')))}
${set('kb', '(f32.gt (local.get $sb) (local.get $sa))')}
${set('sbest', '(select (local.get $sb) (local.get $sa) (local.get $kb))')}
${set('kc', '(f32.gt (local.get $sc) (local.get $sbest))')}
${set('sbest', '(select (local.get $sc) (local.get $sbest) (local.get $kc))')}
${set('kd', '(f32.gt (local.get $sd) (local.get $sbest))')}
${store('f32', get('pd'), `(f32.add ${f32(0)} (select (local.get $sg) ${f32(0)} (i32.and (i32.eqz ${get('kb')}) (i32.and (i32.eqz ${get('kc')}) (i32.eqz ${get('kd')})))))`)}
${store('f32', get('pd'), `(f32.add ${f32(0)} (select (local.get $sg) ${f32(0)} (i32.and ${get('kb')} (i32.and (i32.eqz ${get('kc')}) (i32.eqz ${get('kd')})))))`, 4)}
${store('f32', get('pd'), `(f32.add ${f32(0)} (select (local.get $sg) ${f32(0)} (i32.and ${get('kc')} (i32.eqz ${get('kd')}))))`, row)}
${store('f32', get('pd'), `(f32.add ${f32(0)} (select (local.get $sg) ${f32(0)} ${get('kd')}))`, row + 4)}
${set('px', addConst(get('px'), 8))}
${set('pd', addConst(get('pd'), 8))}
${set('pg', addConst(get('pg'), 4))}`;
  // Rows of outputs over every channel: input rows 2·r and 2·r + 1 are contiguous per channel.
  const body = `${set('px', get('in1'))}
${set('pd', get('out'))}
${set('pg', get('in0'))}
${forLoop(
  labels,
  'r',
  i32(0),
  i32(channels * outH),
  `${vectors > 0 ? forLoop(labels, 'v', i32(0), i32(vectors), vectorStep) : ''}
${outW > 4 * vectors ? forLoop(labels, 'v', i32(4 * vectors), i32(outW), scalarStep) : ''}
${set('px', addConst(get('px'), row))}
${set('pd', addConst(get('pd'), row))}`,
)}`;
  const v128 = ['a', 'b', 'c', 'd', 'g', 'best', 'mb', 'mc', 'md', 'ga', 'gb', 'gc', 'gd'];
  return [
    perSample(
      env,
      { inputs: [values.gradOutput, values.inputs[0]], output: values.gradInputs[0] },
      body,
      {
        r: 'i32',
        v: 'i32',
        px: 'i32',
        pd: 'i32',
        pg: 'i32',
        kb: 'i32',
        kc: 'i32',
        kd: 'i32',
        ...Object.fromEntries(v128.map((name) => [name, 'v128'])),
        ...Object.fromEntries(['sa', 'sb', 'sc', 'sd', 'sg', 'sbest'].map((n) => [n, 'f32'])),
      },
      channels * 4 * outH * outW,
    ),
  ];
};
