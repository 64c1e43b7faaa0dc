// The plans and exports of ./norm.ts: batchnorm, lrn, dropout and normalize on gpu.js, in ONNX
// (BatchNormalization, LRN, no node for dropout, Sub/Div for normalize) and in PyTorch.
import type { GraphNode } from '../ir/graph.js';
import { sizeOf } from '../ir/geometry.js';
import { argBool, argNumber } from './args.js';
import { withActivation } from './fused-activation.js';
import { aliasOnnx } from './activation-backends.js';
import { plainGradient } from './gradients.js';
import { kernelCall } from '../emit/target.js';
import { floatAttr, intAttr } from '../export/onnx/proto.js';
import { bindOut, input, out, param } from '../export/onnx/translate.js';
import { keywords, noModule } from '../export/pytorch/module-helpers.js';
import { pythonBool, pythonNumber } from '../export/pytorch/python.js';
import type { LayerBackends } from './types.js';

function channelsAndSpatial(shape: readonly number[]): { channels: number; spatial: number } {
  return { channels: shape[0], spatial: sizeOf(shape.slice(1)) };
}

/** BatchNorm: running statistics at inference, batch statistics in training (`batchnormTrain`). */
export const batchnormBackends: LayerBackends<'batchnorm'> = {
  gpujs: (ctx) => {
    const { node } = ctx;
    const shape = node.shape ?? [];
    const desc = withActivation(
      { ...channelsAndSpatial(shape), eps: argNumber(node, 'eps') },
      node,
    );
    const params = ['weight', 'bias', 'running_mean', 'running_var'].map((name) => ctx.param(name));
    return { kind: 'kernels', calls: [kernelCall('batchnorm', desc, params)] };
  },
  gradients: {
    batchnorm: {
      grad: 'batchnormGrad',
      saved: 'batchnorm',
      result: 'input',
      paramGrads: ['gamma', 'beta', null, null],
      inputOption: false,
      trainForward: 'batchnormTrain',
    },
  },
  onnx: (b, layer) => {
    const channels = layer.node.shape?.[0] ?? 1;
    const scale =
      param(b, layer, 'weight') ??
      b.floatConstant(`${layer.prefix}/ones`, [channels], new Float32Array(channels).fill(1));
    const shift =
      param(b, layer, 'bias') ??
      b.floatConstant(`${layer.prefix}/zeros`, [channels], new Float32Array(channels));
    const stats = [param(b, layer, 'running_mean'), param(b, layer, 'running_var')] as string[];
    b.add(
      layer.node,
      'BatchNormalization',
      out(layer),
      [input(b, layer), scale, shift, ...stats],
      out(layer),
      [
        floatAttr('epsilon', argNumber(layer.node, 'eps')),
        // ONNX's momentum weighs the old running value; PyTorch's the new batch statistic.
        floatAttr('momentum', 1 - argNumber(layer.node, 'momentum')),
      ],
    );
    return bindOut(b, layer);
  },
  pytorch: (node, input) => {
    const shape = input.shape ?? [];
    const dims = Math.max(1, shape.length - 1);
    if (dims > 3) return noModule(`PyTorch has no BatchNorm for ${dims}-D inputs`);
    const args = [
      pythonNumber(shape[0]),
      ...keywords([
        ['eps', pythonNumber(argNumber(node, 'eps')), pythonNumber(1e-5)],
        ['momentum', pythonNumber(argNumber(node, 'momentum')), '0.1'],
        ['affine', pythonBool(argBool(node, 'affine')), 'True'],
      ]),
    ];
    return { code: `BatchNorm${dims}d(${args.join(', ')})`, helpers: [`BatchNorm${dims}d`] };
  },
};

/** Local response normalisation across channels. */
export const lrnBackends: LayerBackends<'lrn'> = {
  gpujs: (ctx) => {
    const { node } = ctx;
    const desc = {
      ...channelsAndSpatial(node.shape ?? []),
      size: argNumber(node, 'size'),
      alpha: argNumber(node, 'alpha'),
      beta: argNumber(node, 'beta'),
      k: argNumber(node, 'k'),
    };
    return { kind: 'kernels', calls: [kernelCall('lrn', desc)] };
  },
  gradients: { lrn: plainGradient('lrnGrad', 'input') },
  onnx: (b, layer) => {
    const size = argNumber(layer.node, 'size');
    if (size % 2 === 0)
      return {
        reason: `ONNX LRN centres an even window of ${size} channels one channel later than PyTorch does`,
        hint: 'use an odd `size`, as AlexNet and GoogLeNet do',
      };
    b.add(layer.node, 'LRN', out(layer), [input(b, layer)], out(layer), [
      intAttr('size', size),
      floatAttr('alpha', argNumber(layer.node, 'alpha')),
      floatAttr('beta', argNumber(layer.node, 'beta')),
      floatAttr('bias', argNumber(layer.node, 'k')),
    ]);
    return bindOut(b, layer);
  },
  pytorch: (node) => {
    const args = ['size', 'alpha', 'beta', 'k'].map((name) => pythonNumber(argNumber(node, name)));
    return { code: `nn.LocalResponseNorm(${args.join(', ')})` };
  },
};

/** Dropout: the identity at inference (no backend), seeded masks in training. */
export const dropoutBackends: LayerBackends<'dropout'> = {
  gpujs: (ctx) => {
    const features = sizeOf(ctx.node.shape ?? []);
    const call = kernelCall('dropout', { features, p: argNumber(ctx.node, 'p') });
    return { kind: 'kernels', calls: [{ ...call, takesBackend: false }] };
  },
  gradients: {
    dropout: { ...plainGradient('dropoutGrad', 'mask'), trainForward: 'dropoutTrain' },
  },
  onnx: aliasOnnx,
  pytorch: (node) => ({ code: `nn.Dropout(${pythonNumber(argNumber(node, 'p'))})` }),
};

/** `Normalize(channels, dims[, mean=…, std=…])`: given values as one number or a list. */
function normalizeModule(node: GraphNode, input: GraphNode) {
  const shape = input.shape ?? [];
  const values = (name: 'mean' | 'std'): string[] => {
    const value = node.args[name];
    if (!value) return [];
    const items = value.kind === 'list' ? value.items : [value];
    const numbers = items.map((item) =>
      pythonNumber(item.kind === 'int' || item.kind === 'float' ? item.value : NaN),
    );
    return [`${name}=${value.kind === 'list' ? `[${numbers.join(', ')}]` : numbers[0]}`];
  };
  const args = [
    pythonNumber(shape[0]),
    pythonNumber(shape.length - 1),
    ...values('mean'),
    ...values('std'),
  ];
  return { code: `Normalize(${args.join(', ')})`, helpers: ['Normalize'] };
}

/** `(x − mean) / std` per channel, over the buffers `mean` and `std`. */
export const normalizeBackends: LayerBackends<'normalize'> = {
  gpujs: (ctx) => {
    const call = kernelCall('normalize', channelsAndSpatial(ctx.node.shape ?? []), [
      ctx.param('mean'),
      ctx.param('std'),
    ]);
    return { kind: 'kernels', calls: [call] };
  },
  gradients: {
    normalize: {
      grad: 'normalizeGrad',
      saved: 'normalize',
      result: 'input',
      paramGrads: [null, null],
      inputOption: true,
    },
  },
  /** Sub then Div by initializers of shape `[C, 1, …]`, which broadcast over `[N, C, …]`. */
  onnx: (b, layer) => {
    const shape = layer.node.shape ?? [1];
    const dims = [shape[0], ...shape.slice(1).map(() => 1)];
    const mean = b.weight(`${layer.prefix}.mean`, dims);
    const std = b.weight(`${layer.prefix}.std`, dims);
    const centred = b.add(
      layer.node,
      'Sub',
      out(layer, '/sub'),
      [input(b, layer), mean],
      out(layer, '/sub'),
    );
    b.add(layer.node, 'Div', out(layer), [centred, std], out(layer));
    return bindOut(b, layer);
  },
  pytorch: normalizeModule,
};
