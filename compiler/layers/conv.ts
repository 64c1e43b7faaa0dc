// Convolutions: conv, conv1d, conv3d, depthwise, separable and convtranspose.
import type { ArgSpec, LayerSpec } from './types.js';
import { inferConv, inferDepthwise, inferSeparable } from './conv-rules.js';
import { inferConvTranspose } from './transpose-rules.js';

const PAD_MODES = ['zeros', 'reflect', 'replicate', 'circular'] as const;

const out: ArgSpec = { name: 'out', type: { kind: 'int', min: 1 }, doc: 'output channels' };
const kernel: ArgSpec = {
  name: 'kernel',
  type: { kind: 'spatial', min: 1 },
  doc: 'kernel size: an int or one per spatial dimension',
};
const stride: ArgSpec = {
  name: 'stride',
  type: { kind: 'spatial', min: 1 },
  default: 1,
  doc: 'step between windows',
};
const pad: ArgSpec = {
  name: 'pad',
  type: { kind: 'pad', modes: true },
  default: 0,
  doc: 'padding: int, tuple, `valid`, `same`, `full` or sides `[top, bottom, left, right]`',
};
const dilation: ArgSpec = {
  name: 'dilation',
  type: { kind: 'spatial', min: 1 },
  default: 1,
  doc: 'spacing between kernel taps',
};
const groups: ArgSpec = {
  name: 'groups',
  type: { kind: 'int', min: 1 },
  default: 1,
  doc: 'channel groups; must divide input and output channels',
};
const bias: ArgSpec = { name: 'bias', type: { kind: 'bool' }, default: true, doc: 'add a bias' };
const padMode: ArgSpec = {
  name: 'pad_mode',
  type: { kind: 'enum', values: PAD_MODES },
  default: { symbol: 'zeros' },
  doc: 'how padding is filled',
};

const convArgs = [out, kernel, stride, pad, dilation, groups, bias, padMode];

export const conv: LayerSpec = {
  name: 'conv',
  doc: '2-D convolution (cross-correlation, as in PyTorch `Conv2d`)',
  args: convArgs,
  inputs: 'one',
  infer: inferConv(2),
};

export const conv1d: LayerSpec = {
  name: 'conv1d',
  doc: '1-D convolution over `[channels, length]`',
  args: convArgs,
  inputs: 'one',
  infer: inferConv(1),
};

export const conv3d: LayerSpec = {
  name: 'conv3d',
  doc: '3-D convolution over `[channels, depth, height, width]`',
  args: convArgs,
  inputs: 'one',
  infer: inferConv(3),
};

export const depthwise: LayerSpec = {
  name: 'depthwise',
  doc: 'depthwise convolution: `groups = in.channels`, `out = multiplier · in.channels`',
  args: [
    kernel,
    { name: 'multiplier', type: { kind: 'int', min: 1 }, default: 1, doc: 'filters per channel' },
    stride,
    pad,
    dilation,
    bias,
    padMode,
  ],
  inputs: 'one',
  infer: inferDepthwise,
};

export const separable: LayerSpec = {
  name: 'separable',
  doc: 'depthwise convolution then 1×1 pointwise convolution (Xception, Keras `SeparableConv2D`)',
  args: [out, kernel, stride, pad, dilation, bias, padMode],
  inputs: 'one',
  infer: inferSeparable,
};

export const convtranspose: LayerSpec = {
  name: 'convtranspose',
  doc: '2-D transposed convolution (PyTorch `ConvTranspose2d`)',
  args: [
    out,
    kernel,
    stride,
    {
      name: 'pad',
      type: { kind: 'pad', modes: false },
      default: 0,
      doc: 'implicit padding removed from the output',
    },
    {
      name: 'output_pad',
      type: { kind: 'spatial', min: 0 },
      default: 0,
      doc: 'extra rows/columns added to one side of the output; less than `max(stride, dilation)`',
    },
    dilation,
    groups,
    bias,
  ],
  inputs: 'one',
  infer: inferConvTranspose,
};
