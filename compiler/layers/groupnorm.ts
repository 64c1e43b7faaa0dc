// `groupnorm(groups, eps=1e-5, affine=true)`: PyTorch's `nn.GroupNorm(groups, channels)`: each
// sample's channels split into `groups` consecutive groups, each normalised by its own mean and
// biased variance, then scaled and shifted per channel (`weight` γ and `bias` β, as PyTorch names
// them). Everything cnnc knows about the layer is here; the kernels are
// runtime/kernels/groupnorm.ts and its gradient (gpu.js) and compiler/emit/wasm/groupnorm.ts and
// backward/groupnorm.ts (wasm).
import { argBool, argNumber } from './args.js';
import { affineParams, outChannels } from './params.js';
import { checkRank, inputShape, reportGroupsNotDividing } from '../shapes/shape-diagnostics.js';
import { bindOut, input, out, param } from '../export/onnx/translate.js';
import { floatAttr } from '../export/onnx/proto.js';
import { pythonBool, pythonNumber } from '../export/pytorch/python.js';
import { kernelCall } from '../emit/target.js';
import { defineLayer } from './types.js';
import { groupnormKernel } from '../emit/wasm/groupnorm.js';
import { groupnormBackward } from '../emit/wasm/backward/groupnorm.js';

export const groupnorm = defineLayer({
  name: 'groupnorm',
  doc: 'group normalisation (PyTorch `nn.GroupNorm`): per sample, over groups of channels',
  args: [
    {
      name: 'groups',
      type: { kind: 'int', min: 1 },
      doc: 'number of channel groups; must divide the channels',
    },
    {
      name: 'eps',
      type: { kind: 'float', min: 0, minExclusive: true },
      default: 1e-5,
      doc: 'added to the variance',
    },
    { name: 'affine', type: { kind: 'bool' }, default: true, doc: 'learn a scale and a shift' },
  ],
  inputs: 'one',
  infer: (ctx) => {
    if (!checkRank(ctx, 1, Infinity, '[channels, …]')) return undefined;
    const shape = inputShape(ctx);
    const channels = shape[0];
    if (reportGroupsNotDividing(ctx, channels, channels, argNumber(ctx.node, 'groups')))
      return undefined;
    const affine = argBool(ctx.node, 'affine');
    return { shape, cost: { params: affine ? 2 * channels : 0, buffers: 0, macs: 0 } };
  },
  params: (ctx) => affineParams(ctx.prefix, outChannels(ctx), argBool(ctx.node, 'affine')),
  backends: {
    gpujs: (ctx) => {
      const shape = ctx.node.shape ?? [];
      const descriptor = {
        channels: shape[0],
        spatial: shape.slice(1).reduce((acc, dim) => acc * dim, 1),
        groups: argNumber(ctx.node, 'groups'),
        eps: argNumber(ctx.node, 'eps'),
      };
      const params = [ctx.param('weight'), ctx.param('bias')];
      return { kind: 'kernels', calls: [kernelCall('groupnorm', descriptor, params)] };
    },
    gradients: {
      groupnorm: {
        grad: 'groupnormGrad',
        saved: 'conv',
        result: 'input',
        paramGrads: ['weight', 'bias'],
        inputOption: false,
      },
    },
    onnx: (b, layer) => {
      // Opset 17 has no GroupNormalization (opset 18): PyTorch's exact decomposition instead,
      // InstanceNormalization over `[N, groups, rest]`, then the per-channel γ and β.
      const shape = layer.node.shape ?? [];
      const channels = shape[0];
      const groups = argNumber(layer.node, 'groups');
      const p = layer.prefix;
      const grouped = b.int64Constant(`${p}/grouped`, [0, groups, -1]);
      const whole = b.int64Constant(`${p}/shape`, [0, ...shape]);
      const ones = b.floatConstant(`${p}/ones`, [groups], new Float32Array(groups).fill(1));
      const zeros = b.floatConstant(`${p}/zeros`, [groups], new Float32Array(groups));
      let x = b.add(
        layer.node,
        'Reshape',
        out(layer, '/grouped'),
        [input(b, layer), grouped],
        out(layer, '/grouped'),
      );
      x = b.add(
        layer.node,
        'InstanceNormalization',
        out(layer, '/normalised'),
        [x, ones, zeros],
        out(layer, '/normalised'),
        [floatAttr('epsilon', argNumber(layer.node, 'eps'))],
      );
      const gamma = param(b, layer, 'weight');
      const beta = param(b, layer, 'bias');
      if (!gamma || !beta) {
        b.add(layer.node, 'Reshape', out(layer), [x, whole], out(layer));
        return bindOut(b, layer);
      }
      x = b.add(layer.node, 'Reshape', out(layer, '/shaped'), [x, whole], out(layer, '/shaped'));
      const perChannel = b.int64Constant(`${p}/per_channel`, [
        channels,
        ...shape.slice(1).map(() => 1),
      ]);
      const scale = b.add(
        layer.node,
        'Reshape',
        out(layer, '/gamma'),
        [gamma, perChannel],
        out(layer, '/gamma'),
      );
      const shift = b.add(
        layer.node,
        'Reshape',
        out(layer, '/beta'),
        [beta, perChannel],
        out(layer, '/beta'),
      );
      x = b.add(layer.node, 'Mul', out(layer, '/scaled'), [x, scale], out(layer, '/scaled'));
      b.add(layer.node, 'Add', out(layer), [x, shift], out(layer));
      return bindOut(b, layer);
    },
    wasm: { forward: { groupnorm: groupnormKernel }, backward: { groupnorm: groupnormBackward } },
    pytorch: (node, input) => {
      const channels = (input.shape ?? [])[0];
      const args = [
        pythonNumber(argNumber(node, 'groups')),
        pythonNumber(channels),
        `eps=${pythonNumber(argNumber(node, 'eps'))}`,
      ];
      if (!argBool(node, 'affine')) args.push(`affine=${pythonBool(false)}`);
      return { code: `nn.GroupNorm(${args.join(', ')})` };
    },
  },
});
