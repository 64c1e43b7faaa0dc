// Backward of the explicit `pad` layer: fold the padded gradient back onto the input (border
// cells that copied an input cell in reflect, replicate or circular mode add to it).
import type { Backend } from '../backend.js';
import { checkPadding } from '../kernels/padding.js';
import type { PadDescriptor } from '../kernels/pad.js';
import { expectLength, type GradientFn } from './common.js';
import { foldPadding } from './pad-fold.js';

/**
 * Backward of `pad` specialised on `desc`: `(gradOutput, {}, batch) => { input }` from the padded
 * `[batch, channels, inHeight + padTop + padBottom, inWidth + padLeft + padRight]` gradient to
 * `[batch, channels, inHeight, inWidth]`, flat NCHW.
 */
export function padGrad(
  backend: Backend,
  desc: PadDescriptor,
): GradientFn<object, { input: Float32Array }> {
  checkPadding('pad', desc.mode, desc.inHeight, desc.padTop, desc.padBottom);
  checkPadding('pad', desc.mode, desc.inWidth, desc.padLeft, desc.padRight);
  const outPlane =
    (desc.inHeight + desc.padTop + desc.padBottom) * (desc.inWidth + desc.padLeft + desc.padRight);
  return async (gradOutput, _saved, batch) => {
    const planes = batch * desc.channels;
    expectLength('pad gradient', gradOutput, planes * outPlane);
    const axes = [
      { size: 1, lo: 0, hi: 0 },
      { size: desc.inHeight, lo: desc.padTop, hi: desc.padBottom },
      { size: desc.inWidth, lo: desc.padLeft, hi: desc.padRight },
    ] as const;
    return { input: await foldPadding(backend, gradOutput, planes, axes, desc.mode) };
  };
}
