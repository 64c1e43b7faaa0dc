// 1-D convolution (PyTorch `Conv1d`) over `[batch, channels, length]`, run by the 3-D kernel with
// unit depth and height.
import type { Backend } from '../backend.js';
import type { LayerKernel } from '../layer.js';
import { conv3d, type ConvAxis } from './conv3d.js';
import type { Conv1dDescriptor } from '../../contract/descriptors.js';
export type { Conv1dDescriptor } from '../../contract/descriptors.js';

const UNIT_AXIS: ConvAxis = {
  inSize: 1,
  outSize: 1,
  filter: 1,
  stride: 1,
  dilation: 1,
  padLo: 0,
  padHi: 0,
};

/** 1-D convolution specialised on `desc`: `(input, weight, bias, batch) => output`; `bias` may be `null`. */
export function conv1d(
  backend: Backend,
  desc: Conv1dDescriptor,
): LayerKernel<[Float32Array, Float32Array, Float32Array | null]> {
  return conv3d(
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
    'conv1d',
  );
}
