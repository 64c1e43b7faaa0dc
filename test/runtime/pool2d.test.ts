// Max, average and power-average pooling (padding, ceil mode, count_include_pad) and adaptive /
// global pooling, against the float64 reference.
import test from 'ava';
import { adaptivePool2d } from '../../runtime/kernels/adaptive-pool2d.js';
import { pool2d, type PoolKind } from '../../runtime/kernels/pool2d.js';
import * as reference from '../helpers/reference.js';
import { assertClose, randomTensor, sharedBackend } from './support.js';

const backend = sharedBackend();
test.after.always(() => backend.dispose());

interface PoolCase {
  kind: PoolKind;
  x: [number, number, number];
  k: [number, number];
  s?: [number, number];
  /** `[top, bottom, left, right]` */
  p?: [number, number, number, number];
  ceil?: boolean;
  countIncludePad?: boolean;
  power?: number;
}

const cases: PoolCase[] = [
  { kind: 'max', x: [2, 6, 6], k: [2, 2] },
  { kind: 'max', x: [2, 7, 7], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1] },
  { kind: 'max', x: [1, 7, 6], k: [3, 2], s: [2, 2], ceil: true },
  { kind: 'max', x: [2, 8, 8], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], ceil: true },
  { kind: 'avg', x: [2, 6, 6], k: [2, 2] },
  { kind: 'avg', x: [2, 7, 7], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1] },
  { kind: 'avg', x: [2, 7, 7], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], countIncludePad: false },
  { kind: 'avg', x: [1, 6, 7], k: [3, 3], s: [2, 2], ceil: true },
  { kind: 'avg', x: [1, 8, 8], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1], ceil: true },
  {
    kind: 'avg',
    x: [1, 8, 8],
    k: [3, 3],
    s: [2, 2],
    p: [1, 1, 1, 1],
    ceil: true,
    countIncludePad: false,
  },
  { kind: 'avg', x: [1, 5, 5], k: [2, 2], s: [1, 1], p: [0, 1, 1, 0] },
  { kind: 'lp', x: [2, 6, 6], k: [2, 2], power: 2 },
  { kind: 'lp', x: [1, 7, 7], k: [3, 3], s: [2, 2], ceil: true, power: 2 },
  { kind: 'lp', x: [1, 6, 6], k: [3, 2], s: [1, 2], power: 3 },
];

function describe(c: PoolCase): string {
  let name = `${c.kind}pool x=[2,${c.x.join(',')}] k=${c.k.join('x')} s=${(c.s ?? c.k).join('x')}`;
  name += ` p=[${(c.p ?? [0, 0, 0, 0]).join(',')}] ceil=${c.ceil ?? false}`;
  if (c.countIncludePad === false) name += ' count_include_pad=false';
  if (c.power) name += ` p=${c.power}`;
  return name;
}

for (const c of cases) {
  test(describe(c), async (t) => {
    const batch = 2;
    const [channels, inHeight, inWidth] = c.x;
    const [top, bottom, left, right] = c.p ?? [0, 0, 0, 0];
    const stride = c.s ?? c.k;
    const x = randomTensor(describe(c), batch * channels * inHeight * inWidth);
    // lp pooling of odd powers is only defined for non-negative inputs (as in PyTorch).
    if (c.kind === 'lp') x.forEach((v, idx) => (x[idx] = Math.abs(v)));
    const options: reference.RefPoolOptions = {
      kind: c.kind,
      kernel: c.k,
      stride,
      pads: [
        [top, bottom],
        [left, right],
      ],
      ceil: c.ceil ?? false,
      countIncludePad: c.countIncludePad ?? true,
      p: c.power ?? 2,
    };
    const expected = reference.pool2d(reference.tensor(x, [batch, ...c.x]), options);
    const layer = pool2d(backend.get(), {
      kind: c.kind,
      channels,
      inHeight,
      inWidth,
      outHeight: expected.shape[2],
      outWidth: expected.shape[3],
      kernelHeight: c.k[0],
      kernelWidth: c.k[1],
      strideHeight: stride[0],
      strideWidth: stride[1],
      padTop: top,
      padBottom: bottom,
      padLeft: left,
      padRight: right,
      countIncludePad: options.countIncludePad,
      p: options.p,
    });
    assertClose(t, await layer(x, batch), expected.data);
  });
}

const adaptiveCases: ['max' | 'avg', [number, number, number], [number, number]][] = [
  ['avg', [3, 7, 7], [1, 1]],
  ['max', [3, 7, 7], [1, 1]],
  ['avg', [2, 7, 9], [3, 4]],
  ['max', [2, 7, 9], [3, 4]],
  ['avg', [2, 5, 5], [7, 7]],
  ['avg', [1, 10, 6], [4, 6]],
];

for (const [kind, shape, [outHeight, outWidth]] of adaptiveCases) {
  const global = outHeight === 1 && outWidth === 1;
  const name = `${kind}pool(${global ? 'global' : `adaptive=(${outHeight}, ${outWidth})`}) x=[2,${shape.join(',')}]`;
  test(name, async (t) => {
    const batch = 2;
    const [channels, inHeight, inWidth] = shape;
    const x = randomTensor(name, batch * channels * inHeight * inWidth);
    const layer = adaptivePool2d(backend.get(), {
      kind,
      channels,
      inHeight,
      inWidth,
      outHeight,
      outWidth,
    });
    const expected = reference.adaptivePool2d(
      reference.tensor(x, [batch, ...shape]),
      kind,
      outHeight,
      outWidth,
    );
    assertClose(t, await layer(x, batch), expected.data);
  });
}

test('a ceil-mode output whose last window starts in the right padding is rejected', (t) => {
  // i=5, k=2, s=2, pad 1/1: ceil gives 4 windows, but the 4th starts at 6 − 1 = 5 ≥ i.
  t.throws(
    () =>
      pool2d(backend.get(), {
        kind: 'max',
        channels: 1,
        inHeight: 5,
        inWidth: 5,
        outHeight: 4,
        outWidth: 3,
        kernelHeight: 2,
        kernelWidth: 2,
        strideHeight: 2,
        strideWidth: 2,
        padTop: 1,
        padBottom: 1,
        padLeft: 1,
        padRight: 1,
      }),
    { message: /outHeight is 4 but the shape rule gives 3/ },
  );
});
