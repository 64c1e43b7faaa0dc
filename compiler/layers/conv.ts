// Convolutions: conv, conv1d, conv3d, depthwise, separable and convtranspose. Their gpu.js plans
// are in ./conv-gpujs.ts, their ONNX translations in ./conv-onnx.ts and their PyTorch modules in
// ./conv-pytorch.ts.
import { defineLayer, type ArgSpec, type ParamContext, type ParamEntry } from './types.js';
import { planConv, planConvTranspose } from './conv-gpujs.js';
import { convOnnx, convTransposeOnnx, separableOnnx } from './conv-onnx.js';
import { convModule, convTransposeModule } from './conv-pytorch.js';
import { CONV2D_GRADIENTS, CONV_GRADIENTS, weightedGradient } from './gradients.js';
import { hasBias, outChannels, weightAndBias } from './params.js';
import { numberArg } from '../shapes/read-args.js';
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

const CONV_TRAITS = { fusesActivation: true, convLike: true, window: 'conv' } as const;

function convParams(ctx: ParamContext): ParamEntry[] {
  const out = outChannels(ctx);
  const groups = numberArg(ctx.node, 'groups', 1);
  return weightAndBias(
    ctx.prefix,
    [out, ctx.inShape[0] / groups, ...ctx.kernel],
    hasBias(ctx.node),
    out,
  );
}

function separableParams(ctx: ParamContext): ParamEntry[] {
  const inChannels = ctx.inShape[0];
  const out = outChannels(ctx);
  return [
    {
      name: `${ctx.prefix}.depthwise.weight`,
      shape: [inChannels, 1, ...ctx.kernel],
      role: 'weight',
    },
    ...weightAndBias(
      `${ctx.prefix}.pointwise`,
      [out, inChannels, ...ctx.kernel.map(() => 1)],
      hasBias(ctx.node),
      out,
    ),
  ];
}

function transposeParams(ctx: ParamContext): ParamEntry[] {
  const out = outChannels(ctx);
  const groups = numberArg(ctx.node, 'groups', 1);
  return weightAndBias(
    ctx.prefix,
    [ctx.inShape[0], out / groups, ...ctx.kernel],
    hasBias(ctx.node),
    out,
  );
}

const convArgs = [out, kernel, stride, pad, dilation, groups, bias, padMode];

export const conv = defineLayer({
  name: 'conv',
  doc: '2-D convolution (cross-correlation, as in PyTorch `Conv2d`)',
  args: convArgs,
  inputs: 'one',
  infer: inferConv(2),
  params: convParams,
  traits: { ...CONV_TRAITS, foldsBatchnorm: true },
  backends: { gpujs: planConv, gradients: CONV2D_GRADIENTS, onnx: convOnnx, pytorch: convModule },
});

export const conv1d = defineLayer({
  name: 'conv1d',
  doc: '1-D convolution over `[channels, length]`',
  args: convArgs,
  inputs: 'one',
  infer: inferConv(1),
  params: convParams,
  traits: { ...CONV_TRAITS, foldsBatchnorm: true },
  backends: {
    gpujs: planConv,
    gradients: { conv1d: CONV_GRADIENTS.conv1d },
    onnx: convOnnx,
    pytorch: convModule,
  },
});

export const conv3d = defineLayer({
  name: 'conv3d',
  doc: '3-D convolution over `[channels, depth, height, width]`',
  args: convArgs,
  inputs: 'one',
  infer: inferConv(3),
  params: convParams,
  noWasmBackward: 'it has no WebAssembly backward yet',
  traits: { ...CONV_TRAITS, foldsBatchnorm: true },
  backends: {
    gpujs: planConv,
    gradients: { conv3d: CONV_GRADIENTS.conv3d },
    onnx: convOnnx,
    pytorch: convModule,
  },
});

export const depthwise = defineLayer({
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
  params: (ctx) =>
    weightAndBias(
      ctx.prefix,
      [outChannels(ctx), 1, ...ctx.kernel],
      hasBias(ctx.node),
      outChannels(ctx),
    ),
  traits: { ...CONV_TRAITS, foldsBatchnorm: true },
  backends: { gpujs: planConv, gradients: CONV_GRADIENTS, onnx: convOnnx, pytorch: convModule },
});

export const separable = defineLayer({
  name: 'separable',
  doc: 'depthwise convolution then 1×1 pointwise convolution (Xception, Keras `SeparableConv2D`)',
  args: [out, kernel, stride, pad, dilation, bias, padMode],
  inputs: 'one',
  infer: inferSeparable,
  params: separableParams,
  traits: CONV_TRAITS,
  backends: {
    gpujs: planConv,
    gradients: CONV_GRADIENTS,
    onnx: separableOnnx,
    pytorch: convModule,
  },
});

export const convtranspose = defineLayer({
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
  params: transposeParams,
  noWasmBackward: 'it has no WebAssembly backward yet',
  traits: { ...CONV_TRAITS, window: 'transpose' },
  backends: {
    gpujs: planConvTranspose,
    gradients: { convTranspose2d: weightedGradient('convTranspose2dGrad') },
    onnx: convTransposeOnnx,
    pytorch: convTransposeModule,
  },
});
