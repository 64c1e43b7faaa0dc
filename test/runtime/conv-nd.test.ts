// conv1d, conv3d (one N-d kernel) and transposed 2-D convolution against the float64 reference.
import test from 'ava';
import { conv1d } from '../../runtime/kernels/conv1d.js';
import { conv3d, type ConvAxis } from '../../runtime/kernels/conv3d.js';
import { convTranspose2d } from '../../runtime/kernels/convtranspose2d.js';
import type { PadMode } from '../../runtime/kernels/padding.js';
import * as reference from '../helpers/reference.js';
import { assertClose, randomTensor, sharedBackend } from './support.js';

const backend = sharedBackend();
test.after.always(() => backend.dispose());

/** An axis: `[in, filter, stride, dilation, padLo, padHi]`. */
type Axis = [number, number, number, number, number, number];

function axis([inSize, filter, stride, dilation, padLo, padHi]: Axis): ConvAxis {
  const outSize = Math.floor((inSize + padLo + padHi - dilation * (filter - 1) - 1) / stride) + 1;
  return { inSize, outSize, filter, stride, dilation, padLo, padHi };
}

const cases: { name: string; inC: number; outC: number; axes: Axis[]; g: number; mode: PadMode }[] =
  [
    { name: 'conv1d', inC: 3, outC: 4, axes: [[12, 3, 1, 1, 1, 1]], g: 1, mode: 'zeros' },
    { name: 'conv1d', inC: 4, outC: 6, axes: [[11, 3, 2, 2, 2, 1]], g: 2, mode: 'reflect' },
    { name: 'conv1d', inC: 2, outC: 2, axes: [[9, 4, 1, 1, 3, 0]], g: 1, mode: 'circular' },
    {
      name: 'conv3d',
      inC: 2,
      outC: 3,
      axes: [
        [4, 2, 1, 1, 0, 0],
        [5, 3, 1, 1, 1, 1],
        [5, 3, 2, 1, 1, 1],
      ],
      g: 1,
      mode: 'zeros',
    },
    {
      name: 'conv3d',
      inC: 4,
      outC: 4,
      axes: [
        [5, 3, 2, 1, 1, 1],
        [6, 2, 1, 2, 1, 0],
        [4, 3, 1, 1, 2, 2],
      ],
      g: 2,
      mode: 'replicate',
    },
    {
      name: 'conv3d',
      inC: 2,
      outC: 2,
      axes: [
        [4, 3, 1, 1, 1, 1],
        [4, 3, 1, 1, 1, 1],
        [4, 3, 1, 1, 1, 1],
      ],
      g: 1,
      mode: 'reflect',
    },
  ];

for (const c of cases) {
  const name = `${c.name} x=[2,${c.inC},${c.axes.map((a) => a[0]).join(',')}] out=${c.outC} axes=${JSON.stringify(c.axes.map((a) => a.slice(1)))} g=${c.g} mode=${c.mode}`;
  test(name, async (t) => {
    const batch = 2;
    const axes = c.axes.map(axis);
    const xShape = [batch, c.inC, ...axes.map((a) => a.inSize)];
    const wShape = [c.outC, c.inC / c.g, ...axes.map((a) => a.filter)];
    const x = randomTensor(
      `${name} x`,
      xShape.reduce((p, d) => p * d),
    );
    const w = randomTensor(
      `${name} w`,
      wShape.reduce((p, d) => p * d),
    );
    const b = randomTensor(`${name} b`, c.outC);
    const layer =
      axes.length === 1
        ? conv1d(backend.get(), {
            inChannels: c.inC,
            outChannels: c.outC,
            length: axes[0],
            groups: c.g,
            padMode: c.mode,
          })
        : conv3d(backend.get(), {
            inChannels: c.inC,
            outChannels: c.outC,
            depth: axes[0],
            height: axes[1],
            width: axes[2],
            groups: c.g,
            padMode: c.mode,
          });
    const expected = reference.convNd(
      reference.tensor(x, xShape),
      reference.tensor(w, wShape),
      reference.tensor(b, [c.outC]),
      {
        stride: axes.map((a) => a.stride),
        dilation: axes.map((a) => a.dilation),
        pads: axes.map((a) => [a.padLo, a.padHi]),
        groups: c.g,
        padMode: c.mode,
      },
    );
    t.deepEqual(
      expected.shape.slice(2),
      axes.map((a) => a.outSize),
    );
    assertClose(t, await layer(x, w, b, batch), expected.data);
  });
}

/** `[inC, outC, h, w, k, s, d, pad (top,bottom,left,right), outputPad (h,w), groups]` */
const transposed: [
  number,
  number,
  number,
  number,
  [number, number],
  [number, number],
  [number, number],
  [number, number, number, number],
  [number, number],
  number,
][] = [
  [2, 3, 4, 4, [3, 3], [1, 1], [1, 1], [0, 0, 0, 0], [0, 0], 1],
  [2, 3, 4, 5, [3, 3], [2, 2], [1, 1], [1, 1, 1, 1], [1, 1], 1],
  [4, 6, 3, 4, [2, 3], [2, 3], [1, 1], [0, 0, 1, 1], [1, 2], 2],
  [2, 2, 4, 4, [3, 3], [2, 1], [2, 2], [1, 1, 2, 2], [1, 0], 1],
  [4, 4, 3, 3, [4, 4], [2, 2], [1, 1], [1, 1, 1, 1], [0, 0], 4],
];

for (const [inC, outC, h, w, k, s, d, p, op, g] of transposed) {
  const name = `convtranspose x=[2,${inC},${h},${w}] out=${outC} k=${k.join('x')} s=${s.join('x')} d=${d.join('x')} p=[${p}] output_pad=${op.join('x')} g=${g}`;
  test(name, async (t) => {
    const batch = 2;
    const x = randomTensor(`${name} x`, batch * inC * h * w);
    const weight = randomTensor(`${name} w`, inC * (outC / g) * k[0] * k[1]);
    const bias = randomTensor(`${name} b`, outC);
    const expected = reference.convTranspose2d(
      reference.tensor(x, [batch, inC, h, w]),
      reference.tensor(weight, [inC, outC / g, ...k]),
      reference.tensor(bias, [outC]),
      {
        stride: s,
        dilation: d,
        pads: [
          [p[0], p[1]],
          [p[2], p[3]],
        ],
        outputPad: op,
        groups: g,
      },
    );
    const layer = convTranspose2d(backend.get(), {
      inChannels: inC,
      inHeight: h,
      inWidth: w,
      outChannels: outC,
      outHeight: expected.shape[2],
      outWidth: expected.shape[3],
      filterHeight: k[0],
      filterWidth: k[1],
      strideHeight: s[0],
      strideWidth: s[1],
      dilationHeight: d[0],
      dilationWidth: d[1],
      padTop: p[0],
      padBottom: p[1],
      padLeft: p[2],
      padRight: p[3],
      outputPadHeight: op[0],
      outputPadWidth: op[1],
      groups: g,
    });
    assertClose(t, await layer(x, weight, bias, batch), expected.data);
  });
}
