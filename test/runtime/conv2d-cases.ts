// The table of 2-D convolution cases shared by the direct and im2col tests, and the descriptor and
// reference result of each.
import type { Conv2dDescriptor } from '../../runtime/kernels/conv2d.js';
import type { PadMode } from '../../runtime/kernels/padding.js';
import type { ActivationKind } from '../../runtime/kernels/activation.js';
import { activateAll, convNd, tensor } from '../helpers/reference.js';
import { randomTensor } from './support.js';

export interface Case {
  batch?: number;
  x: [number, number, number];
  out: number;
  k: [number, number];
  s?: [number, number];
  d?: [number, number];
  /** `[top, bottom, left, right]` */
  p?: [number, number, number, number];
  g?: number;
  mode?: PadMode;
  bias?: boolean;
  act?: ActivationKind;
}

export const cases: Case[] = [
  { x: [1, 5, 5], out: 1, k: [3, 3] },
  { x: [3, 8, 8], out: 4, k: [3, 3], p: [1, 1, 1, 1], batch: 2 },
  { x: [2, 9, 7], out: 3, k: [3, 2], s: [2, 3] },
  { x: [2, 9, 9], out: 2, k: [3, 3], d: [2, 2], p: [2, 2, 2, 2] },
  { x: [2, 10, 8], out: 4, k: [3, 3], d: [1, 3], s: [2, 1], p: [0, 1, 3, 3] },
  { x: [4, 6, 6], out: 6, k: [3, 3], g: 2, p: [1, 1, 1, 1] },
  { x: [4, 6, 6], out: 8, k: [3, 3], g: 4, p: [1, 1, 1, 1], s: [2, 2] },
  { x: [3, 7, 7], out: 5, k: [1, 1] },
  { x: [2, 5, 6], out: 3, k: [3, 3], p: [2, 1, 0, 2], bias: false },
  // "same" for 7×7, k=4, s=2: o = 4, total = 3·2 + 4 − 7 = 3, lo = 1, hi = 2.
  { x: [2, 7, 7], out: 3, k: [4, 4], s: [2, 2], p: [1, 2, 1, 2] },
  // "full" for k=3: lo = hi = 2.
  { x: [1, 4, 5], out: 2, k: [3, 3], p: [2, 2, 2, 2] },
  { x: [2, 6, 6], out: 3, k: [3, 3], p: [1, 1, 1, 1], mode: 'reflect' },
  { x: [2, 6, 5], out: 3, k: [5, 3], p: [2, 2, 1, 1], mode: 'reflect', d: [1, 2] },
  { x: [2, 6, 6], out: 3, k: [3, 3], p: [1, 2, 2, 1], mode: 'replicate', s: [2, 2] },
  { x: [2, 5, 6], out: 3, k: [3, 3], p: [2, 1, 1, 2], mode: 'circular' },
  { x: [4, 6, 6], out: 4, k: [3, 3], p: [1, 1, 1, 1], mode: 'circular', g: 4 },
  { x: [3, 6, 6], out: 4, k: [3, 3], p: [1, 1, 1, 1], act: 'relu' },
  { x: [3, 6, 6], out: 4, k: [3, 3], p: [1, 1, 1, 1], act: 'gelu' },
  { x: [3, 6, 6], out: 4, k: [3, 3], act: 'hardswish', bias: false },
];

export function describe(c: Case): string {
  const parts = [`x=[${c.batch ?? 1},${c.x.join(',')}] out=${c.out} k=${c.k.join('x')}`];
  parts.push(`s=${(c.s ?? [1, 1]).join('x')} d=${(c.d ?? [1, 1]).join('x')}`);
  parts.push(`p=[${(c.p ?? [0, 0, 0, 0]).join(',')}] g=${c.g ?? 1} mode=${c.mode ?? 'zeros'}`);
  if (c.bias === false) parts.push('bias=false');
  if (c.act) parts.push(`act=${c.act}`);
  return parts.join(' ');
}

/** Builds the descriptor the compiler would compute for a case (§6 output-size rule). */
export function describeConv2d(c: Case): Conv2dDescriptor {
  const [inChannels, inHeight, inWidth] = c.x;
  const [strideHeight, strideWidth] = c.s ?? [1, 1];
  const [dilationHeight, dilationWidth] = c.d ?? [1, 1];
  const [padTop, padBottom, padLeft, padRight] = c.p ?? [0, 0, 0, 0];
  const out = (i: number, k: number, s: number, d: number, lo: number, hi: number) =>
    Math.floor((i + lo + hi - d * (k - 1) - 1) / s) + 1;
  return {
    inChannels,
    inHeight,
    inWidth,
    outChannels: c.out,
    outHeight: out(inHeight, c.k[0], strideHeight, dilationHeight, padTop, padBottom),
    outWidth: out(inWidth, c.k[1], strideWidth, dilationWidth, padLeft, padRight),
    filterHeight: c.k[0],
    filterWidth: c.k[1],
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop,
    padBottom,
    padLeft,
    padRight,
    groups: c.g ?? 1,
    padMode: c.mode ?? 'zeros',
    ...(c.act ? { activation: { kind: c.act } } : {}),
  };
}

/** Random inputs of a case and the reference output (float64, activation applied). */
export function caseData(c: Case) {
  const desc = describeConv2d(c);
  const batch = c.batch ?? 1;
  const name = describe(c);
  const xShape = [batch, ...c.x];
  const wShape = [c.out, c.x[0] / (c.g ?? 1), ...c.k];
  const x = randomTensor(
    `${name} x`,
    xShape.reduce((a, b) => a * b),
  );
  const w = randomTensor(
    `${name} w`,
    wShape.reduce((a, b) => a * b),
  );
  const b = c.bias === false ? null : randomTensor(`${name} b`, c.out);
  const expected = convNd(tensor(x, xShape), tensor(w, wShape), b && tensor(b, [c.out]), {
    stride: c.s ?? [1, 1],
    dilation: c.d ?? [1, 1],
    pads: [
      [desc.padTop, desc.padBottom],
      [desc.padLeft, desc.padRight],
    ],
    groups: c.g ?? 1,
    padMode: c.mode ?? 'zeros',
  });
  const shape = [batch, c.out, desc.outHeight, desc.outWidth];
  if (expected.shape.join() !== shape.join()) throw new Error(`reference shape ${expected.shape}`);
  return { desc, batch, x, w, b, expected: activateAll(expected.data, c.act ?? 'identity') };
}
