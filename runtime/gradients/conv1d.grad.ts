// Backward of the 1-D convolution: the N-d backward kernels with unit depth and height.
import type { Backend } from '../backend.js';
import type { Conv1dDescriptor } from '../kernels/conv1d.js';
import type { GradientOptions } from './common.js';
import { UNIT_AXIS } from './conv2d.grad.js';
import { conv3dGrad, type ConvGradient } from './conv3d.grad.js';

/**
 * Backward of `conv1d` specialised on `desc`: `(gradOutput, { input, weight, bias }, batch) =>
 * { input, weight, bias }` with input `[batch, inChannels, length]`, weight
 * `[outChannels, inChannels / groups, filter]`, bias `[outChannels]` or null.
 */
export function conv1dGrad(
  backend: Backend,
  desc: Conv1dDescriptor,
  options: GradientOptions = {},
): ConvGradient {
  return conv3dGrad(
    backend,
    {
      inChannels: desc.inChannels,
      outChannels: desc.outChannels,
      depth: UNIT_AXIS,
      height: UNIT_AXIS,
      width: desc.length,
      groups: desc.groups,
      padMode: desc.padMode,
      ...(desc.activation ? { activation: desc.activation } : {}),
    },
    options,
    'conv1d',
  );
}
