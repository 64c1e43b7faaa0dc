// Finite-difference checks of the 1-D, 3-D and transposed convolution backward.
import test from 'ava';
import { conv1dGrad } from '../../runtime/gradients/conv1d.grad.js';
import { conv3dGrad } from '../../runtime/gradients/conv3d.grad.js';
import { convTranspose2dGrad } from '../../runtime/gradients/convtranspose2d.grad.js';
import type { ConvAxis } from '../../runtime/kernels/conv3d.js';
import type { PadMode } from '../../runtime/kernels/padding.js';
import type { ActivationKind } from '../../runtime/kernels/activation.js';
import { activateAll, convNd, convTranspose2d, tensor } from '../helpers/reference.js';
import { randomTensor, sharedBackend } from '../runtime/support.js';
import { assertGradients, size } from './support.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

/** One spatial axis: `[in, kernel, stride, dilation, lo, hi]`. */
type AxisCase = [number, number, number, number, number, number];

function axis([inSize, filter, stride, dilation, padLo, padHi]: AxisCase): ConvAxis {
  const outSize = Math.floor((inSize + padLo + padHi - dilation * (filter - 1) - 1) / stride) + 1;
  return { inSize, outSize, filter, stride, dilation, padLo, padHi };
}

interface NdCase {
  batch: number;
  inChannels: number;
  outChannels: number;
  axes: AxisCase[];
  groups?: number;
  mode?: PadMode;
  act?: ActivationKind;
}

const ndCases: NdCase[] = [
  { batch: 2, inChannels: 2, outChannels: 3, axes: [[9, 3, 2, 1, 1, 1]] },
  {
    batch: 1,
    inChannels: 4,
    outChannels: 2,
    axes: [[8, 3, 1, 2, 2, 1]],
    groups: 2,
    mode: 'reflect',
  },
  {
    batch: 1,
    inChannels: 2,
    outChannels: 2,
    axes: [[7, 2, 1, 1, 1, 2]],
    mode: 'circular',
    act: 'silu',
  },
  {
    batch: 1,
    inChannels: 2,
    outChannels: 2,
    axes: [
      [4, 2, 1, 1, 0, 0],
      [4, 3, 1, 1, 1, 1],
      [5, 3, 2, 1, 1, 0],
    ],
  },
  {
    batch: 1,
    inChannels: 2,
    outChannels: 2,
    axes: [
      [4, 2, 1, 1, 1, 0],
      [4, 2, 2, 1, 0, 1],
      [4, 3, 1, 1, 1, 1],
    ],
    mode: 'replicate',
    groups: 2,
  },
];

for (const c of ndCases) {
  const dims = c.axes.length;
  const name =
    `conv${dims}d x=[${c.batch},${c.inChannels},${c.axes.map((a) => a[0]).join(',')}] out=${c.outChannels} ` +
    c.axes.map((a) => `k=${a[1]} s=${a[2]} d=${a[3]} p=${a[4]}/${a[5]}`).join('; ') +
    ` g=${c.groups ?? 1} mode=${c.mode ?? 'zeros'}${c.act ? ` act=${c.act}` : ''}`;
  test(name, async (t) => {
    const groups = c.groups ?? 1;
    const axes = c.axes.map(axis);
    const xShape = [c.batch, c.inChannels, ...axes.map((a) => a.inSize)];
    const wShape = [c.outChannels, c.inChannels / groups, ...axes.map((a) => a.filter)];
    const inputs = [
      randomTensor(`${name} x`, size(xShape)),
      randomTensor(`${name} w`, size(wShape)),
      randomTensor(`${name} b`, c.outChannels),
    ];
    const common = {
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      groups,
      padMode: c.mode ?? 'zeros',
      ...(c.act ? { activation: { kind: c.act } } : {}),
    };
    const grad =
      dims === 1
        ? conv1dGrad(backend.get(), { ...common, length: axes[0] })
        : conv3dGrad(backend.get(), { ...common, depth: axes[0], height: axes[1], width: axes[2] });
    await assertGradients(t, name, {
      names: ['input', 'weight', 'bias'],
      inputs,
      reference: ([x, w, b]) => {
        const out = convNd(tensor(x, xShape), tensor(w, wShape), tensor(b, [c.outChannels]), {
          stride: axes.map((a) => a.stride),
          dilation: axes.map((a) => a.dilation),
          pads: axes.map((a) => [a.padLo, a.padHi] as [number, number]),
          groups,
          padMode: c.mode ?? 'zeros',
        });
        return activateAll(out.data, c.act ?? 'identity');
      },
      backward: async (gradOutput) => {
        const saved = { input: inputs[0], weight: inputs[1], bias: inputs[2] };
        const result = await grad(gradOutput, saved, c.batch);
        return [result.input, result.weight, result.bias];
      },
    });
  });
}

interface TransposeCase {
  batch: number;
  x: [number, number, number];
  out: number;
  k: [number, number];
  s: [number, number];
  d: [number, number];
  /** `[top, bottom, left, right]` */
  p: [number, number, number, number];
  outputPad: [number, number];
  groups: number;
  bias: boolean;
  act?: ActivationKind;
}

const transposeCases: TransposeCase[] = [
  {
    batch: 2,
    x: [2, 3, 3],
    out: 3,
    k: [3, 3],
    s: [2, 2],
    d: [1, 1],
    p: [1, 1, 1, 1],
    outputPad: [1, 1],
    groups: 1,
    bias: true,
  },
  {
    batch: 1,
    x: [4, 3, 4],
    out: 2,
    k: [2, 3],
    s: [1, 2],
    d: [2, 1],
    p: [0, 1, 2, 0],
    outputPad: [1, 1],
    groups: 2,
    bias: false,
  },
  {
    batch: 1,
    x: [2, 3, 3],
    out: 2,
    k: [3, 3],
    s: [1, 1],
    d: [1, 1],
    p: [0, 0, 0, 0],
    outputPad: [0, 0],
    groups: 1,
    bias: true,
    act: 'elu',
  },
];

for (const c of transposeCases) {
  const name =
    `convtranspose x=[${c.batch},${c.x.join(',')}] out=${c.out} k=${c.k.join('x')} s=${c.s.join('x')} ` +
    `d=${c.d.join('x')} p=[${c.p.join(',')}] output_pad=${c.outputPad.join('x')} g=${c.groups}` +
    `${c.bias ? '' : ' bias=false'}${c.act ? ` act=${c.act}` : ''}`;
  test(name, async (t) => {
    const [inChannels, inHeight, inWidth] = c.x;
    const outSize = (i: number, d: number) =>
      (i - 1) * c.s[d] - c.p[2 * d] - c.p[2 * d + 1] + c.d[d] * (c.k[d] - 1) + c.outputPad[d] + 1;
    const desc = {
      inChannels,
      inHeight,
      inWidth,
      outChannels: c.out,
      outHeight: outSize(inHeight, 0),
      outWidth: outSize(inWidth, 1),
      filterHeight: c.k[0],
      filterWidth: c.k[1],
      strideHeight: c.s[0],
      strideWidth: c.s[1],
      dilationHeight: c.d[0],
      dilationWidth: c.d[1],
      padTop: c.p[0],
      padBottom: c.p[1],
      padLeft: c.p[2],
      padRight: c.p[3],
      outputPadHeight: c.outputPad[0],
      outputPadWidth: c.outputPad[1],
      groups: c.groups,
      ...(c.act ? { activation: { kind: c.act } } : {}),
    };
    const xShape = [c.batch, ...c.x];
    const wShape = [inChannels, c.out / c.groups, ...c.k];
    const inputs = [
      randomTensor(`${name} x`, size(xShape)),
      randomTensor(`${name} w`, size(wShape)),
    ];
    if (c.bias) inputs.push(randomTensor(`${name} b`, c.out));
    const grad = convTranspose2dGrad(backend.get(), desc);
    await assertGradients(t, name, {
      names: ['input', 'weight', 'bias'].slice(0, inputs.length),
      inputs,
      reference: ([x, w, b]) => {
        const out = convTranspose2d(
          tensor(x, xShape),
          tensor(w, wShape),
          b ? tensor(b, [c.out]) : null,
          {
            stride: c.s,
            dilation: c.d,
            pads: [
              [c.p[0], c.p[1]],
              [c.p[2], c.p[3]],
            ],
            outputPad: c.outputPad,
            groups: c.groups,
          },
        );
        return activateAll(out.data, c.act ?? 'identity');
      },
      backward: async (gradOutput) => {
        const saved = { input: inputs[0], weight: inputs[1], bias: inputs[2] ?? null };
        const result = await grad(gradOutput, saved, c.batch);
        return [result.input, result.weight, result.bias].slice(0, inputs.length);
      },
    });
  });
}
