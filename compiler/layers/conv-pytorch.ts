// The PyTorch modules of the convolutions (./conv.ts): `nn.Conv1d/2d/3d` (or a padded subclass
// for uneven padding), `Separable`, and `nn.ConvTranspose1d/2d/3d`.
import type { GraphNode } from '../ir/graph.js';
import { outputPadding, windowGeometry } from '../ir/geometry.js';
import { argBool, argChoice, argNumber } from './args.js';
import {
  convolution,
  keywords,
  noModule,
  symmetric,
  TORCH_PAD_MODES,
} from '../export/pytorch/module-helpers.js';
import { pythonBool, pythonNumber, sizeLiteral } from '../export/pytorch/python.js';
import type { PytorchModule } from './types.js';

/** `conv`, `conv1d`, `conv3d`, `depthwise` and `separable`. */
export function convModule(node: GraphNode, input: GraphNode): PytorchModule {
  const inShape = input.shape ?? [];
  const outChannels = (node.shape ?? [])[0];
  const geometry = windowGeometry(node, input);
  if (!geometry) return noModule('its window arguments do not fit its input');
  const dims = inShape.length - 1;
  if (dims < 1 || dims > 3) return noModule(`PyTorch has no ${dims}-D convolution`);
  const bias = argBool(node, 'bias');
  const padMode = argChoice(node, 'pad_mode');
  if (!TORCH_PAD_MODES[padMode]) return noModule(`PyTorch has no padding mode \`${padMode}\``);
  if (node.op === 'separable') {
    const depthwise = convolution(dims, inShape[0], inShape[0], geometry, {
      groups: inShape[0],
      bias: false,
      padMode,
    });
    const pointwise = `nn.Conv${dims}d(${inShape[0]}, ${outChannels}, 1${bias ? '' : ', bias=False'})`;
    return {
      code: `Separable(${depthwise.code}, ${pointwise})`,
      helpers: ['Separable', ...depthwise.helpers],
    };
  }
  const groups = node.op === 'depthwise' ? inShape[0] : argNumber(node, 'groups');
  return convolution(dims, inShape[0], outChannels, geometry, { groups, bias, padMode });
}

/** `convtranspose`: PyTorch removes the same padding on both sides, so uneven sides cannot go. */
export function convTransposeModule(node: GraphNode, input: GraphNode): PytorchModule {
  const inShape = input.shape ?? [];
  const geometry = windowGeometry(node, input);
  if (!geometry) return noModule('its window arguments do not fit its input');
  const dims = inShape.length - 1;
  if (dims < 1 || dims > 3) return noModule(`PyTorch has no ${dims}-D transposed convolution`);
  if (!symmetric(geometry))
    return noModule(
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
  return { code: `nn.ConvTranspose${dims}d(${args.join(', ')})` };
}
