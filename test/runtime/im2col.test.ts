// im2col + GEMM lowering against the reference and against the direct kernel (within 1e-5), and
// the 1×1 convolution as a plain GEMM.
import test from 'ava';
import { conv2d } from '../../runtime/kernels/conv2d.js';
import { conv2dIm2col, isPointwise } from '../../runtime/kernels/im2col.js';
import { caseData, cases, describe, describeConv2d } from './conv2d-cases.js';
import { assertClose, sharedBackend } from './support.js';

const backend = sharedBackend();
test.after.always(() => backend.dispose());

for (const c of cases) {
  test(`im2col ${describe(c)}`, async (t) => {
    const { desc, batch, x, w, b, expected } = caseData(c);
    const lowered = await conv2dIm2col(backend.get(), desc)(x, w, b, batch);
    const direct = await conv2d(backend.get(), desc)(x, w, b, batch);
    assertClose(t, lowered, expected);
    assertClose(t, lowered, direct, 1e-5, 1e-6);
  });
}

test('a 1×1 convolution with stride 1 and no padding is one GEMM stage', (t) => {
  const desc = describeConv2d({ x: [3, 4, 4], out: 2, k: [1, 1] });
  t.true(isPointwise(desc));
  t.is(conv2dIm2col(backend.get(), desc).stages(1).length, 1);
  const strided = describeConv2d({ x: [3, 4, 4], out: 2, k: [1, 1], s: [2, 2] });
  t.is(conv2dIm2col(backend.get(), strided).stages(1).length, 2);
});
