// Finite-difference checks of the convolution backward (2-D, depthwise, separable's pointwise
// half, 1-D and 3-D) over strides, dilations, groups, every padding form and pad mode, and fused
// activations.
import test from 'ava';
import { conv2dGrad } from '../../runtime/gradients/conv2d.grad.js';
import { activateAll, convNd, tensor } from '../helpers/reference.js';
import { describe, describeConv2d, type Case } from '../runtime/conv2d-cases.js';
import { randomTensor, sharedBackend } from '../runtime/support.js';
import { assertGradients, size } from './support.js';

const backend = sharedBackend({ mode: 'webasm', threads: false });
test.after.always(() => backend.dispose());

const cases: Case[] = [
  { batch: 2, x: [2, 5, 5], out: 3, k: [3, 3] },
  { batch: 2, x: [2, 6, 5], out: 2, k: [3, 2], s: [2, 3], p: [1, 1, 1, 1] },
  { x: [2, 7, 7], out: 2, k: [3, 3], d: [2, 2], p: [2, 2, 2, 2] },
  { x: [2, 7, 6], out: 2, k: [3, 3], d: [1, 2], s: [2, 1], p: [0, 1, 2, 2] },
  { x: [4, 5, 5], out: 4, k: [3, 3], g: 2, p: [1, 1, 1, 1] },
  // depthwise (groups = in, multiplier 2) with stride 2
  { x: [3, 6, 6], out: 6, k: [3, 3], g: 3, p: [1, 1, 1, 1], s: [2, 2] },
  // separable's pointwise half: 1×1
  { batch: 2, x: [3, 4, 4], out: 2, k: [1, 1], bias: false },
  // "same" for 7×7, k=4, s=2: lo = 1, hi = 2
  { x: [2, 7, 7], out: 2, k: [4, 4], s: [2, 2], p: [1, 2, 1, 2] },
  // "full" for k=3
  { x: [1, 4, 5], out: 2, k: [3, 3], p: [2, 2, 2, 2] },
  { batch: 2, x: [2, 5, 5], out: 2, k: [3, 3], p: [1, 1, 1, 1], mode: 'reflect' },
  { x: [2, 6, 5], out: 2, k: [5, 3], p: [2, 2, 1, 1], mode: 'reflect', d: [1, 2] },
  { x: [2, 6, 6], out: 2, k: [3, 3], p: [1, 2, 2, 1], mode: 'replicate', s: [2, 2] },
  { x: [2, 5, 6], out: 2, k: [3, 3], p: [2, 1, 1, 2], mode: 'circular' },
  { x: [4, 5, 5], out: 4, k: [3, 3], p: [1, 1, 1, 1], mode: 'circular', g: 4 },
  { x: [2, 5, 5], out: 3, k: [3, 3], p: [1, 1, 1, 1], act: 'gelu' },
  { x: [2, 5, 5], out: 3, k: [3, 3], act: 'tanh', bias: false },
];

for (const c of cases) {
  const name = describe(c);
  test(name, async (t) => {
    const desc = describeConv2d(c);
    const batch = c.batch ?? 1;
    const groups = c.g ?? 1;
    const xShape = [batch, ...c.x];
    const wShape = [c.out, c.x[0] / groups, ...c.k];
    const inputs = [
      randomTensor(`${name} x`, size(xShape)),
      randomTensor(`${name} w`, size(wShape)),
    ];
    if (c.bias !== false) inputs.push(randomTensor(`${name} b`, c.out));
    const grad = conv2dGrad(backend.get(), desc);
    await assertGradients(t, name, {
      names: ['input', 'weight', 'bias'].slice(0, inputs.length),
      inputs,
      reference: ([x, w, b]) => {
        const out = convNd(tensor(x, xShape), tensor(w, wShape), b ? tensor(b, [c.out]) : null, {
          stride: c.s ?? [1, 1],
          dilation: c.d ?? [1, 1],
          pads: [
            [desc.padTop, desc.padBottom],
            [desc.padLeft, desc.padRight],
          ],
          groups,
          padMode: c.mode ?? 'zeros',
        });
        return activateAll(out.data, c.act ?? 'identity');
      },
      backward: async (gradOutput) => {
        const saved = { input: inputs[0], weight: inputs[1], bias: inputs[2] ?? null };
        const result = await grad(gradOutput, saved, batch);
        return [result.input, result.weight, result.bias].slice(0, inputs.length);
      },
    });
  });
}
