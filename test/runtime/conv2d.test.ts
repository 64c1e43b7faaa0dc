// Direct 2-D convolution against the float64 reference, over strides, dilations, groups, every
// padding form and mode, and fused activations.
import test from 'ava';
import { conv2d } from '../../runtime/kernels/conv2d.js';
import { caseData, cases, describe, describeConv2d } from './conv2d-cases.js';
import { assertClose, sharedBackend } from './support.js';

const backend = sharedBackend();
test.after.always(() => backend.dispose());

for (const c of cases) {
  test(describe(c), async (t) => {
    const { desc, batch, x, w, b, expected } = caseData(c);
    const actual = await conv2d(backend.get(), desc)(x, w, b, batch);
    assertClose(t, actual, expected);
  });
}
test('a descriptor whose output size breaks the shape rule is rejected at create time', (t) => {
  const desc = { ...describeConv2d({ x: [1, 5, 5], out: 1, k: [3, 3] }), outHeight: 4 };
  t.throws(() => conv2d(backend.get(), desc), {
    message: /outHeight is 4 but the shape rule gives 3/,
  });
});

test('reflect padding as large as the input is rejected at create time', (t) => {
  const desc = describeConv2d({
    x: [1, 3, 3],
    out: 1,
    k: [3, 3],
    p: [3, 3, 0, 0],
    mode: 'reflect',
  });
  t.throws(() => conv2d(backend.get(), desc), { message: /reflect padding 3\/3 must be smaller/ });
});
