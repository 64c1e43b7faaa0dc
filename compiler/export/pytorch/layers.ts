// One PyTorch module per cnnc layer: the constructor expression the exported `nn.Module` file
// writes for a graph node, from the node's checked arguments and its input's shape. A layer in a
// form PyTorch has no module for (asymmetric padding of a pool or a transposed convolution) is a
// CNN4002 diagnostic at the layer's span, never a silently different model.
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import type { GraphNode } from '../../ir/graph.js';
import { outputPadding, sizeOf, windowGeometry, type WindowGeometry } from '../../ir/geometry.js';
import { padArg, spatialArg } from '../../shapes/read-args.js';
import { argChoice, argBool, argNumber, argSymbol } from '../../layers/args.js';
import { lookupLayer } from '../../layers/registry.js';
import { pythonBool, pythonNumber, sizeLiteral, tupleLiteral } from './python.js';

/** A layer's module: the constructor expression and the helper classes it needs. */
export type LayerModule =
  { ok: true; code: string; helpers: string[] } | { ok: false; diagnostic: Diagnostic };

const ACTIVATIONS: Record<string, string> = {
  relu: 'nn.ReLU()',
  relu6: 'nn.ReLU6()',
  sigmoid: 'nn.Sigmoid()',
  tanh: 'nn.Tanh()',
  gelu: 'nn.GELU()',
  silu: 'nn.SiLU()',
  hardswish: 'nn.Hardswish()',
  softmax: 'nn.Softmax(dim=1)',
  identity: 'nn.Identity()',
  flatten: 'nn.Flatten()',
};

/** F.pad's modes by cnnc's `pad_mode`/`mode` names. */
const PAD_MODES: Record<string, string> = {
  zeros: 'constant',
  reflect: 'reflect',
  replicate: 'replicate',
  circular: 'circular',
};

/** A CNN4002 error (a layer the export cannot write) at `span`. */
export function exportError(span: Span, message: string, hints: string[] = []): Diagnostic {
  return {
    code: 'CNN4002',
    severity: 'error',
    message,
    span,
    labels: [],
    hints,
    notes: [],
    fixes: [],
  };
}

function unsupported(node: GraphNode, reason: string, hint?: string): LayerModule {
  const message = `\`${node.op}\` cannot be exported to PyTorch: ${reason}`;
  return { ok: false, diagnostic: exportError(node.span, message, hint ? [hint] : []) };
}

function done(code: string, helpers: string[] = []): LayerModule {
  return { ok: true, code, helpers };
}

/** `name=value` pairs, leaving out the ones equal to PyTorch's default. */
function keywords(pairs: [string, string, string][]): string[] {
  return pairs.filter(([, value, fallback]) => value !== fallback).map(([k, v]) => `${k}=${v}`);
}

/** F.pad's side order: last dimension first, `(left, right, top, bottom, front, back)`. */
function padSides(geometry: WindowGeometry): string {
  const sides = [...geometry.pads].reverse().flatMap((pad) => [pad.lo, pad.hi]);
  return tupleLiteral(sides.map(pythonNumber));
}

function symmetric(geometry: WindowGeometry): boolean {
  return geometry.pads.every((pad) => pad.lo === pad.hi);
}

/** A (possibly grouped) convolution over `dims` spatial dimensions. */
function convolution(
  dims: number,
  inChannels: number,
  outChannels: number,
  geometry: WindowGeometry,
  options: { groups: number; bias: boolean; padMode: string },
): { code: string; helpers: string[] } {
  const mode = PAD_MODES[options.padMode] ?? 'constant';
  const even = symmetric(geometry);
  const common = keywords([
    ['stride', sizeLiteral(geometry.stride), '1'],
    ['padding', even ? sizeLiteral(geometry.pads.map((pad) => pad.lo)) : '0', '0'],
    ['dilation', sizeLiteral(geometry.dilation), '1'],
    ['groups', pythonNumber(options.groups), '1'],
    ['bias', pythonBool(options.bias), 'True'],
    ['padding_mode', `"${options.padMode}"`, '"zeros"'],
  ]);
  const args = [pythonNumber(inChannels), pythonNumber(outChannels), sizeLiteral(geometry.kernel)];
  if (even) return { code: `nn.Conv${dims}d(${[...args, ...common].join(', ')})`, helpers: [] };
  // PyTorch pads both sides alike; uneven sides (`same` with an even kernel, explicit sides) are
  // padded by F.pad in a Conv subclass that keeps the `weight`/`bias` names.
  const uneven = common.filter((arg) => !arg.startsWith('padding_mode='));
  const sides = `sides=${padSides(geometry)}`;
  const padMode = mode === 'constant' ? [] : [`mode="${mode}"`];
  return {
    code: `PaddedConv${dims}d(${[...args, ...uneven, sides, ...padMode].join(', ')})`,
    helpers: [`PaddedConv${dims}d`],
  };
}

function geometryOf(node: GraphNode, input: GraphNode): WindowGeometry | undefined {
  return windowGeometry(node, input);
}

function convLayer(node: GraphNode, input: GraphNode): LayerModule {
  const inShape = input.shape ?? [];
  const outChannels = (node.shape ?? [])[0];
  const geometry = geometryOf(node, input);
  if (!geometry) return unsupported(node, 'its window arguments do not fit its input');
  const dims = inShape.length - 1;
  if (dims < 1 || dims > 3) return unsupported(node, `PyTorch has no ${dims}-D convolution`);
  const bias = argBool(node, 'bias');
  const padMode = argChoice(node, 'pad_mode');
  if (!PAD_MODES[padMode]) return unsupported(node, `PyTorch has no padding mode \`${padMode}\``);
  if (node.op === 'separable') {
    const depthwise = convolution(dims, inShape[0], inShape[0], geometry, {
      groups: inShape[0],
      bias: false,
      padMode,
    });
    const pointwise = `nn.Conv${dims}d(${inShape[0]}, ${outChannels}, 1${bias ? '' : ', bias=False'})`;
    return done(`Separable(${depthwise.code}, ${pointwise})`, ['Separable', ...depthwise.helpers]);
  }
  const groups = node.op === 'depthwise' ? inShape[0] : argNumber(node, 'groups');
  const conv = convolution(dims, inShape[0], outChannels, geometry, { groups, bias, padMode });
  return done(conv.code, conv.helpers);
}

function convTransposeLayer(node: GraphNode, input: GraphNode): LayerModule {
  const inShape = input.shape ?? [];
  const geometry = geometryOf(node, input);
  if (!geometry) return unsupported(node, 'its window arguments do not fit its input');
  const dims = inShape.length - 1;
  if (dims < 1 || dims > 3)
    return unsupported(node, `PyTorch has no ${dims}-D transposed convolution`);
  if (!symmetric(geometry))
    return unsupported(
      node,
      'PyTorch removes the same padding on both sides of a transposed convolution',
      'give one padding per dimension, e.g. `pad=1`',
    );
  const args = [
    pythonNumber(inShape[0]),
    pythonNumber((node.shape ?? [])[0]),
    sizeLiteral(geometry.kernel),
    ...keywords([
      ['stride', sizeLiteral(geometry.stride), '1'],
      ['padding', sizeLiteral(geometry.pads.map((pad) => pad.lo)), '0'],
      ['output_padding', sizeLiteral(outputPadding(node, dims)), '0'],
      ['groups', pythonNumber(argNumber(node, 'groups')), '1'],
      ['bias', pythonBool(argBool(node, 'bias')), 'True'],
      ['dilation', sizeLiteral(geometry.dilation), '1'],
    ]),
  ];
  return done(`nn.ConvTranspose${dims}d(${args.join(', ')})`);
}

const POOL_NAMES: Record<string, string> = { maxpool: 'Max', avgpool: 'Avg', lppool: 'LP' };

function poolLayer(node: GraphNode, input: GraphNode): LayerModule {
  const dims = (input.shape ?? []).length - 1;
  const kind = POOL_NAMES[node.op];
  if (dims < 1 || dims > 3) return unsupported(node, `PyTorch has no ${dims}-D pooling`);
  const global = argSymbol(node, 'kernel') === 'global';
  if (global || node.args.adaptive) {
    if (node.op === 'lppool')
      return unsupported(node, 'PyTorch has no adaptive power-average pooling');
    const sizes = global
      ? Array<number>(dims).fill(1)
      : spatialArg({ node, inputs: [input], report: () => undefined }, 'adaptive', dims, 1);
    if (!sizes) return unsupported(node, 'its `adaptive` sizes do not fit its input');
    return done(`nn.Adaptive${kind}Pool${dims}d(${sizeLiteral(sizes)})`);
  }
  const geometry = geometryOf(node, input);
  if (!geometry) return unsupported(node, 'its window arguments do not fit its input');
  if (!symmetric(geometry))
    return unsupported(
      node,
      'PyTorch pools pad both sides alike',
      'give one padding per dimension',
    );
  const padding = sizeLiteral(geometry.pads.map((pad) => pad.lo));
  const ceil = pythonBool(argBool(node, 'ceil'));
  const kernel = sizeLiteral(geometry.kernel);
  const stride = sizeLiteral(geometry.stride);
  if (node.op === 'lppool') {
    if (dims > 2) return unsupported(node, 'PyTorch has no 3-D power-average pooling');
    if (padding !== '0') return unsupported(node, 'PyTorch power-average pooling takes no padding');
    const p = pythonNumber(argNumber(node, 'p'));
    const rest = keywords([['ceil_mode', ceil, 'False']]);
    return done(`nn.LPPool${dims}d(${[p, kernel, `stride=${stride}`, ...rest].join(', ')})`);
  }
  const rest = keywords([
    ['stride', stride, kernel],
    ['padding', padding, '0'],
    ['ceil_mode', ceil, 'False'],
    ...(node.op === 'avgpool'
      ? ([['count_include_pad', pythonBool(argBool(node, 'count_include_pad')), 'True']] as [
          string,
          string,
          string,
        ][])
      : []),
  ]);
  return done(`nn.${kind}Pool${dims}d(${[kernel, ...rest].join(', ')})`);
}

function batchnormLayer(node: GraphNode, input: GraphNode): LayerModule {
  const shape = input.shape ?? [];
  const dims = Math.max(1, shape.length - 1);
  if (dims > 3) return unsupported(node, `PyTorch has no BatchNorm for ${dims}-D inputs`);
  const args = [
    pythonNumber(shape[0]),
    ...keywords([
      ['eps', pythonNumber(argNumber(node, 'eps')), pythonNumber(1e-5)],
      ['momentum', pythonNumber(argNumber(node, 'momentum')), '0.1'],
      ['affine', pythonBool(argBool(node, 'affine')), 'True'],
    ]),
  ];
  return done(`BatchNorm${dims}d(${args.join(', ')})`, [`BatchNorm${dims}d`]);
}

/** `Normalize(channels, dims[, mean=…, std=…])`: given values as one number or a list. */
function normalizeLayer(node: GraphNode, input: GraphNode): LayerModule {
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
  return done(`Normalize(${args.join(', ')})`, ['Normalize']);
}

function padLayer(node: GraphNode, input: GraphNode): LayerModule {
  const dims = (input.shape ?? []).length - 1;
  const padding = padArg({ node, inputs: [input], report: () => undefined }, 'sides', dims);
  if (!padding || padding.kind !== 'explicit')
    return unsupported(node, 'its sides do not fit its input');
  const sides = padSides({ kernel: [], stride: [], dilation: [], pads: padding.sides });
  const mode = PAD_MODES[argChoice(node, 'mode')] ?? 'constant';
  return done(`Pad(${sides}${mode === 'constant' ? '' : `, mode="${mode}"`})`, ['Pad']);
}

/**
 * The PyTorch module of `node`, whose (first) input is `input`. `add` and `concat` are modules
 * too, so that every numbered statement of the `.cnn` file is a numbered child, as cnnc counts.
 */
export function layerModule(node: GraphNode, input: GraphNode | undefined): LayerModule {
  if (ACTIVATIONS[node.op]) return done(ACTIVATIONS[node.op]);
  if (node.op === 'add') return done('Add()', ['Add']);
  if (node.op === 'concat') return done('Concat()', ['Concat']);
  if (!input) return unsupported(node, 'it has no input');
  switch (node.op) {
    case 'conv':
    case 'conv1d':
    case 'conv3d':
    case 'depthwise':
    case 'separable':
      return convLayer(node, input);
    case 'convtranspose':
      return convTransposeLayer(node, input);
    case 'maxpool':
    case 'avgpool':
    case 'lppool':
      return poolLayer(node, input);
    case 'linear': {
      const args = [pythonNumber(sizeOf(input.shape ?? [])), pythonNumber((node.shape ?? [])[0])];
      if (!argBool(node, 'bias')) args.push('bias=False');
      return done(`nn.Linear(${args.join(', ')})`);
    }
    case 'batchnorm':
      return batchnormLayer(node, input);
    case 'normalize':
      return normalizeLayer(node, input);
    case 'dropout':
      return done(`nn.Dropout(${pythonNumber(argNumber(node, 'p'))})`);
    case 'leaky_relu':
      return done(`nn.LeakyReLU(${pythonNumber(argNumber(node, 'alpha'))})`);
    case 'elu':
      return done(`nn.ELU(${pythonNumber(argNumber(node, 'alpha'))})`);
    case 'lrn': {
      const args = ['size', 'alpha', 'beta', 'k'].map((name) =>
        pythonNumber(argNumber(node, name)),
      );
      return done(`nn.LocalResponseNorm(${args.join(', ')})`);
    }
    case 'pad':
      return padLayer(node, input);
    default: {
      const own = lookupLayer(node.op)?.backends?.pytorch(node, input);
      if (!own) return unsupported(node, 'PyTorch export has no module for this layer yet');
      return 'code' in own ? done(own.code, own.helpers) : unsupported(node, own.unsupported);
    }
  }
}
