// Backward of the 2-D convolution (direct and im2col forms, depthwise and separable too, since
// those are grouped and 1×1 convolutions): the N-d backward kernels with a unit depth axis.
import type { Backend } from '../backend.js';
import type { Conv2dDescriptor } from '../kernels/conv2d.js';
import { checkConv2d } from '../kernels/conv2d.js';
import type { ConvAxis } from '../kernels/conv3d.js';
import type { GradientOptions } from './common.js';
import { conv3dGrad, type ConvGradient } from './conv3d.grad.js';

/** The depth axis of a 2-D (or 1-D) convolution run by the 3-D kernels. */
export const UNIT_AXIS: ConvAxis = {
  inSize: 1,
  outSize: 1,
  filter: 1,
  stride: 1,
  dilation: 1,
  padLo: 0,
  padHi: 0,
};

/**
 * Backward of `conv2d` / `conv2dIm2col` specialised on `desc`:
 * `(gradOutput, { input, weight, bias }, batch) => { input, weight, bias }` with input
 * `[batch, inChannels, inHeight, inWidth]`, weight `[outChannels, inChannels / groups,
 * filterHeight, filterWidth]`, bias `[outChannels]` (null when the layer has none), all flat NCHW.
 */
export function conv2dGrad(
  backend: Backend,
  desc: Conv2dDescriptor,
  options: GradientOptions = {},
): ConvGradient {
  checkConv2d(desc);
  const height: ConvAxis = {
    inSize: desc.inHeight,
    outSize: desc.outHeight,
    filter: desc.filterHeight,
    stride: desc.strideHeight,
    dilation: desc.dilationHeight,
    padLo: desc.padTop,
    padHi: desc.padBottom,
  };
  const width: ConvAxis = {
    inSize: desc.inWidth,
    outSize: desc.outWidth,
    filter: desc.filterWidth,
    stride: desc.strideWidth,
    dilation: desc.dilationWidth,
    padLo: desc.padLeft,
    padHi: desc.padRight,
  };
  return conv3dGrad(
    backend,
    {
      inChannels: desc.inChannels,
      outChannels: desc.outChannels,
      depth: UNIT_AXIS,
      height,
      width,
      groups: desc.groups,
      padMode: desc.padMode,
      ...(desc.activation ? { activation: desc.activation } : {}),
    },
    options,
    'conv2d',
  );
}
