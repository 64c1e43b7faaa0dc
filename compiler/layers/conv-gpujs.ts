// The gpu.js plans of the convolutions (./conv.ts): conv (1-, 2- and 3-D), depthwise, separable
// and transposed, as calls of the runtime's conv kernels with their descriptors.
import { argChoice, argNumber } from './args.js';
import { withActivation } from './fused-activation.js';
import { outputPadding, windowGeometry, type WindowGeometry } from '../ir/geometry.js';
import type { OptNode } from '../ir/opt-graph.js';
import type { ConvAxis, PadMode } from '../../contract/descriptors.js';
import { kernelCall, type KernelCall, type LayerContext, type LayerPlan } from '../emit/target.js';

/** The 2-D window fields of a conv2d or convTranspose2d descriptor, in their order. */
function planeFields(
  inShape: readonly number[],
  outShape: readonly number[],
  geometry: WindowGeometry,
) {
  return {
    inChannels: inShape[0],
    inHeight: inShape[1],
    inWidth: inShape[2],
    outChannels: outShape[0],
    outHeight: outShape[1],
    outWidth: outShape[2],
    filterHeight: geometry.kernel[0],
    filterWidth: geometry.kernel[1],
    strideHeight: geometry.stride[0],
    strideWidth: geometry.stride[1],
    dilationHeight: geometry.dilation[0],
    dilationWidth: geometry.dilation[1],
    padTop: geometry.pads[0].lo,
    padBottom: geometry.pads[0].hi,
    padLeft: geometry.pads[1].lo,
    padRight: geometry.pads[1].hi,
  };
}

function axis(geometry: WindowGeometry, idx: number, inSize: number, outSize: number): ConvAxis {
  return {
    inSize,
    outSize,
    filter: geometry.kernel[idx],
    stride: geometry.stride[idx],
    dilation: geometry.dilation[idx],
    padLo: geometry.pads[idx].lo,
    padHi: geometry.pads[idx].hi,
  };
}

/** One convolution over an input of `inShape` to `outShape` with `groups`, as a kernel call. */
function convCall(
  node: OptNode,
  geometry: WindowGeometry,
  shapes: { inShape: readonly number[]; outShape: readonly number[]; groups: number },
  params: (string | null)[],
  activation: boolean,
): KernelCall {
  const { inShape, outShape, groups } = shapes;
  const padMode = argChoice(node, 'pad_mode') as PadMode;
  const rank = inShape.length - 1;
  const base = { inChannels: inShape[0], outChannels: outShape[0], groups, padMode };
  const fused = <T extends object>(desc: T) => (activation ? withActivation(desc, node) : desc);
  if (rank === 1) {
    const desc = { ...base, length: axis(geometry, 0, inShape[1], outShape[1]) };
    return kernelCall('conv1d', fused(desc), params);
  }
  if (rank === 3) {
    const [d, h, w] = [0, 1, 2].map((idx) =>
      axis(geometry, idx, inShape[idx + 1], outShape[idx + 1]),
    );
    return kernelCall('conv3d', fused({ ...base, depth: d, height: h, width: w }), params);
  }
  const desc = {
    ...planeFields(inShape, outShape, geometry),
    groups,
    padMode,
  };
  const factory =
    node.lowering === 'im2col' || node.lowering === 'gemm' ? 'conv2dIm2col' : 'conv2d';
  return kernelCall(factory, fused(desc), params);
}

/** Plans conv, conv1d, conv3d, depthwise and separable. */
export function planConv(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const input = ctx.inputs[0];
  const geometry = windowGeometry(node, input);
  const inShape = input.shape ?? [];
  const outShape = node.shape ?? [];
  if (!geometry)
    return { kind: 'unsupported', reason: 'its window arguments do not fit its input' };
  const weightBias = [ctx.param('weight'), ctx.param('bias')];
  if (node.op === 'separable') {
    const channels = inShape[0];
    const mid = [channels, ...outShape.slice(1)];
    const depthwise = convCall(
      node,
      geometry,
      { inShape, outShape: mid, groups: channels },
      [ctx.param('depthwise.weight'), null],
      false,
    );
    const unit = {
      kernel: geometry.kernel.map(() => 1),
      stride: geometry.kernel.map(() => 1),
      dilation: geometry.kernel.map(() => 1),
      pads: geometry.kernel.map(() => ({ lo: 0, hi: 0 })),
    };
    const pointNode = { ...node, lowering: 'gemm' as const };
    const pointwise = convCall(
      pointNode,
      unit,
      { inShape: mid, outShape, groups: 1 },
      [ctx.param('pointwise.weight'), ctx.param('pointwise.bias')],
      true,
    );
    const values = mid.reduce((acc, dim) => acc * dim, 1);
    return { kind: 'kernels', calls: [{ ...depthwise, values }, pointwise] };
  }
  const groups = node.op === 'depthwise' ? inShape[0] : argNumber(node, 'groups');
  return {
    kind: 'kernels',
    calls: [convCall(node, geometry, { inShape, outShape, groups }, weightBias, true)],
  };
}

/** Plans a 2-D transposed convolution. */
export function planConvTranspose(ctx: LayerContext): LayerPlan {
  const { node } = ctx;
  const input = ctx.inputs[0];
  const inShape = input.shape ?? [];
  const outShape = node.shape ?? [];
  if (inShape.length !== 3)
    return {
      kind: 'unsupported',
      reason: `\`convtranspose\` runs on 2-D inputs only, found ${inShape.length - 1}-D`,
    };
  const geometry = windowGeometry(node, input);
  if (!geometry)
    return { kind: 'unsupported', reason: 'its window arguments do not fit its input' };
  const outputPad = outputPadding(node, 2);
  const desc = {
    ...planeFields(inShape, outShape, geometry),
    outputPadHeight: outputPad[0],
    outputPadWidth: outputPad[1],
    groups: argNumber(node, 'groups'),
  };
  return {
    kind: 'kernels',
    calls: [
      kernelCall('convTranspose2d', withActivation(desc, node), [
        ctx.param('weight'),
        ctx.param('bias'),
      ]),
    ],
  };
}
