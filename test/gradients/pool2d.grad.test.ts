// Finite-difference checks of the pooling backward: max (ties to the first maximum), average
// (with and without counting padding), power-average, ceil mode, adaptive and global pooling.
import test from 'ava';
import { adaptivePool2dGrad } from '../../runtime/gradients/adaptive-pool2d.grad.js';
import { pool2dGrad } from '../../runtime/gradients/pool2d.grad.js';
import type { PoolKind } from '../../runtime/kernels/pool2d.js';
import * as reference from '../helpers/reference.js';
import { rngFor, sharedBackend } from '../runtime/support.js';
import { assertGradients, size } from './support.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

/**
 * Distinct values in `[-1, 1)` spaced at least `2/length` apart, in a seeded random order, so that
 * no window has a tie and finite differences never swap a maximum.
 */
function distinctValues(label: string, length: number, positive = false): Float32Array {
  const rng = rngFor(label);
  const order = Array.from({ length }, (_, idx) => idx);
  for (let idx = length - 1; idx > 0; idx--) {
    const other = Math.floor(rng.next() * (idx + 1));
    [order[idx], order[other]] = [order[other], order[idx]];
  }
  return Float32Array.from(order, (rank) =>
    positive ? 0.2 + rank / length : (2 * rank) / length - 1,
  );
}

interface PoolCase {
  kind: PoolKind;
  x: [number, number, number, number];
  k: [number, number];
  s: [number, number];
  /** `[top, bottom, left, right]` */
  p?: [number, number, number, number];
  ceil?: boolean;
  countIncludePad?: boolean;
  power?: number;
}

const poolCases: PoolCase[] = [
  { kind: 'max', x: [2, 2, 4, 6], k: [2, 2], s: [2, 2] },
  { kind: 'max', x: [1, 2, 7, 6], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1] },
  { kind: 'max', x: [1, 2, 5, 6], k: [2, 3], s: [2, 2], ceil: true },
  { kind: 'avg', x: [2, 2, 5, 5], k: [3, 3], s: [2, 2], p: [1, 1, 1, 1] },
  { kind: 'avg', x: [1, 2, 5, 6], k: [3, 2], s: [2, 1], p: [1, 1, 1, 0], countIncludePad: false },
  { kind: 'avg', x: [1, 2, 5, 5], k: [2, 2], s: [2, 2], ceil: true },
  { kind: 'lp', x: [1, 2, 4, 6], k: [2, 2], s: [2, 2], power: 2 },
  { kind: 'lp', x: [1, 2, 5, 5], k: [2, 3], s: [2, 2], power: 3, ceil: true },
];

for (const c of poolCases) {
  const pads = c.p ?? [0, 0, 0, 0];
  const name =
    `${c.kind}pool x=[${c.x.join(',')}] k=${c.k.join('x')} s=${c.s.join('x')} p=[${pads.join(',')}]` +
    `${c.ceil ? ' ceil' : ''}${c.countIncludePad === false ? ' count_include_pad=false' : ''}` +
    `${c.power ? ` p=${c.power}` : ''}`;
  test(name, async (t) => {
    const [batch, channels, inHeight, inWidth] = c.x;
    const options: reference.RefPoolOptions = {
      kind: c.kind,
      kernel: c.k,
      stride: c.s,
      pads: [
        [pads[0], pads[1]],
        [pads[2], pads[3]],
      ],
      ceil: c.ceil ?? false,
      countIncludePad: c.countIncludePad ?? true,
      p: c.power ?? 2,
    };
    const outSize = (d: number, i: number) =>
      reference.poolOutputSize(i, c.k[d], c.s[d], pads[2 * d], pads[2 * d + 1], c.ceil ?? false);
    const desc = {
      kind: c.kind,
      channels,
      inHeight,
      inWidth,
      outHeight: outSize(0, inHeight),
      outWidth: outSize(1, inWidth),
      kernelHeight: c.k[0],
      kernelWidth: c.k[1],
      strideHeight: c.s[0],
      strideWidth: c.s[1],
      padTop: pads[0],
      padBottom: pads[1],
      padLeft: pads[2],
      padRight: pads[3],
      countIncludePad: c.countIncludePad ?? true,
      p: c.power ?? 2,
    };
    // LP pooling of odd powers needs positive inputs (PyTorch gives NaN for negative sums).
    const x = distinctValues(name, size(c.x), c.kind === 'lp');
    const forward = (data: Float64Array) => reference.pool2d(reference.tensor(data, c.x), options);
    const grad = pool2dGrad(backend.get(), desc);
    await assertGradients(t, name, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) => forward(data).data,
      backward: async (gradOutput) => {
        const output = Float32Array.from(forward(Float64Array.from(x)).data);
        return [(await grad(gradOutput, { input: x, output }, batch)).input];
      },
    });
  });
}

test('maxpool sends a tied window gradient to its first maximum, as PyTorch', async (t) => {
  const desc = {
    kind: 'max' as const,
    channels: 1,
    inHeight: 2,
    inWidth: 4,
    outHeight: 1,
    outWidth: 2,
    kernelHeight: 2,
    kernelWidth: 2,
    strideHeight: 2,
    strideWidth: 2,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
  };
  const x = Float32Array.from([1, 3, 5, 2, 3, 3, 5, 5]);
  const result = await pool2dGrad(backend.get(), desc)(
    Float32Array.from([10, 20]),
    { input: x },
    1,
  );
  t.deepEqual(Array.from(result.input), [0, 10, 20, 0, 0, 0, 0, 0]);
});

const adaptiveCases: [
  kind: 'max' | 'avg',
  x: [number, number, number, number],
  out: [number, number],
][] = [
  ['avg', [2, 2, 5, 7], [3, 2]],
  ['max', [1, 2, 6, 5], [4, 3]],
  ['avg', [1, 2, 3, 3], [5, 4]],
  ['avg', [2, 3, 4, 3], [1, 1]],
  ['max', [2, 3, 4, 3], [1, 1]],
];

for (const [kind, shape, [outHeight, outWidth]] of adaptiveCases) {
  const global = outHeight === 1 && outWidth === 1;
  const name = `${kind}pool(${global ? 'global' : `adaptive=(${outHeight}, ${outWidth})`}) x=[${shape.join(',')}]`;
  test(name, async (t) => {
    const [batch, channels, inHeight, inWidth] = shape;
    const x = distinctValues(name, size(shape));
    const grad = adaptivePool2dGrad(backend.get(), {
      kind,
      channels,
      inHeight,
      inWidth,
      outHeight,
      outWidth,
    });
    await assertGradients(t, name, {
      names: ['input'],
      inputs: [x],
      reference: ([data]) =>
        reference.adaptivePool2d(reference.tensor(data, shape), kind, outHeight, outWidth).data,
      backward: async (gradOutput) => [(await grad(gradOutput, { input: x }, batch)).input],
    });
  });
}
