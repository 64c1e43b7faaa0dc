// The explicit `pad` layer: pads height and width of an NCHW tensor by explicit sides in any mode.
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel } from '../layer.js';
import { expectPositive } from './conv-util.js';
import { checkPadding, PAD_MODE_CODES, padIndex } from './padding.js';
import type { PadDescriptor } from '../../contract/descriptors.js';
export type { PadDescriptor } from '../../contract/descriptors.js';

interface PadConstants {
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  padTop: number;
  padLeft: number;
  mode: number;
}

function padKernel(this: KernelThis<PadConstants>, x: number[]): number {
  const ow = this.thread.x % this.constants.outWidth;
  const oh = Math.floor(this.thread.x / this.constants.outWidth) % this.constants.outHeight;
  const plane = Math.floor(this.thread.x / (this.constants.outWidth * this.constants.outHeight));
  const ih = padIndex(oh - this.constants.padTop, this.constants.inHeight, this.constants.mode);
  const iw = padIndex(ow - this.constants.padLeft, this.constants.inWidth, this.constants.mode);
  if (ih < 0 || iw < 0) return 0;
  return x[(plane * this.constants.inHeight + ih) * this.constants.inWidth + iw];
}

/** Pad layer specialised on `desc`: `(input, batch) => output`, flat NCHW. */
export function pad(backend: Backend, desc: PadDescriptor): LayerKernel<[Float32Array]> {
  expectPositive('pad', {
    channels: desc.channels,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
  });
  checkPadding('pad', desc.mode, desc.inHeight, desc.padTop, desc.padBottom);
  checkPadding('pad', desc.mode, desc.inWidth, desc.padLeft, desc.padRight);
  const constants: PadConstants = {
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outHeight: desc.inHeight + desc.padTop + desc.padBottom,
    outWidth: desc.inWidth + desc.padLeft + desc.padRight,
    padTop: desc.padTop,
    padLeft: desc.padLeft,
    mode: PAD_MODE_CODES[desc.mode],
  };
  const length = (batch: number) =>
    batch * desc.channels * constants.outHeight * constants.outWidth;
  return makeLayer(
    length,
    (batch) => [
      {
        kernel: backend.kernel('pad', padKernel, { ...constants }, length(batch), [padIndex]),
        args: [0],
      },
    ],
    {},
    {
      what: 'pad',
      batched: [0],
      perSample: Math.max(length(1), desc.channels * desc.inHeight * desc.inWidth),
    },
  );
}
