// `upsample(scale, mode=nearest, align_corners=false)`: PyTorch's `nn.Upsample` with an integer
// `scale_factor` per spatial dimension of a `[channels, height, width]` value. Everything cnnc
// knows about the layer is here: schema, shape rule, gpu.js plan and gradient rule, ONNX `Resize`
// and the PyTorch module. The kernels are runtime/kernels/upsample.ts and its gradient (gpu.js)
// and compiler/emit/wasm/upsample.ts and backward/upsample.ts (wasm).
import { argBool, argChoice } from './args.js';
import { checkRank, inputShape } from '../shapes/shape-diagnostics.js';
import { spatialArg } from '../shapes/read-args.js';
import type { GraphNode } from '../ir/graph.js';
import { bindOut, input, out } from '../export/onnx/translate.js';
import { stringAttr } from '../export/onnx/proto.js';
import { pythonBool, sizeLiteral } from '../export/pytorch/python.js';
import type { UpsampleDescriptor } from '../../contract/descriptors.js';
import { kernelCall } from '../emit/target.js';
import { defineLayer, type InferContext } from './types.js';
import { upsampleKernel } from '../emit/wasm/upsample.js';
import { upsampleBackward } from '../emit/wasm/backward/upsample.js';

/** The scale per spatial dimension (height, width); undefined when `scale` has the wrong arity. */
function scales(node: GraphNode, input: GraphNode | undefined): number[] | undefined {
  const ctx: InferContext = { node, inputs: input ? [input] : [], report: () => undefined };
  return spatialArg(ctx, 'scale', 2, 1);
}

export const upsample = defineLayer({
  name: 'upsample',
  doc: 'upsampling by integer factors (PyTorch `nn.Upsample`): `nearest` or `bilinear`',
  args: [
    {
      name: 'scale',
      type: { kind: 'spatial', min: 1 },
      doc: 'factor per spatial dimension: an int or `(height, width)`',
    },
    {
      name: 'mode',
      type: { kind: 'enum', values: ['nearest', 'bilinear'] },
      default: { symbol: 'nearest' },
      doc: 'how new values are computed',
    },
    {
      name: 'align_corners',
      type: { kind: 'bool' },
      default: false,
      doc: '`bilinear` only: align the corner pixels of input and output (PyTorch convention)',
    },
  ],
  inputs: 'one',
  infer: (ctx) => {
    if (!checkRank(ctx, 3, 3, '[channels, height, width]')) return undefined;
    const shape = inputShape(ctx);
    const factors = spatialArg(ctx, 'scale', 2, 1);
    if (!factors) return undefined;
    return {
      shape: [shape[0], shape[1] * factors[0], shape[2] * factors[1]],
      cost: { params: 0, buffers: 0, macs: 0 },
    };
  },
  params: 'none',
  backends: {
    gpujs: (ctx) => {
      const [channels, inHeight, inWidth] = ctx.inputs[0].shape ?? [];
      const [scaleHeight, scaleWidth] = scales(ctx.node, ctx.inputs[0]) ?? [1, 1];
      const descriptor = {
        channels,
        inHeight,
        inWidth,
        scaleHeight,
        scaleWidth,
        mode: argChoice(ctx.node, 'mode') as UpsampleDescriptor['mode'],
        alignCorners: argBool(ctx.node, 'align_corners'),
      };
      return { kind: 'kernels', calls: [kernelCall('upsample', descriptor)] };
    },
    gradients: {
      upsample: {
        grad: 'upsampleGrad',
        saved: 'none',
        result: 'input',
        paramGrads: [],
        inputOption: false,
      },
    },
    onnx: (b, layer) => {
      const [scaleHeight, scaleWidth] = scales(layer.node, layer.inputs[0]) ?? [1, 1];
      const name = `${layer.prefix}/scales`;
      const factors = b.floatConstant(name, [4], Float32Array.of(1, 1, scaleHeight, scaleWidth));
      const bilinear = argChoice(layer.node, 'mode') === 'bilinear';
      const aligned = argBool(layer.node, 'align_corners');
      // PyTorch's own export: `asymmetric` + `floor` for nearest, `pytorch_half_pixel` (which
      // equals `half_pixel` for outputs larger than one) or `align_corners` for bilinear.
      const attrs = bilinear
        ? [
            stringAttr('mode', 'linear'),
            stringAttr(
              'coordinate_transformation_mode',
              aligned ? 'align_corners' : 'pytorch_half_pixel',
            ),
          ]
        : [
            stringAttr('mode', 'nearest'),
            stringAttr('coordinate_transformation_mode', 'asymmetric'),
            stringAttr('nearest_mode', 'floor'),
          ];
      b.add(layer.node, 'Resize', out(layer), [input(b, layer), '', factors], out(layer), attrs);
      return bindOut(b, layer);
    },
    wasm: { forward: { upsample: upsampleKernel }, backward: { upsample: upsampleBackward } },
    pytorch: (node, input) => {
      const factors = scales(node, input);
      if (!factors) return { unsupported: '`scale` does not fit the input' };
      const mode = argChoice(node, 'mode');
      const args = [`scale_factor=${sizeLiteral(factors)}`, `mode="${mode}"`];
      if (mode === 'bilinear')
        args.push(`align_corners=${pythonBool(argBool(node, 'align_corners'))}`);
      return { code: `nn.Upsample(${args.join(', ')})` };
    },
  },
});
