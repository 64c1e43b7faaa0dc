// What the layers' PyTorch modules (`backends.pytorch` in compiler/layers/) share: keyword
// arguments that leave out PyTorch's defaults, F.pad's side order and modes, and the
// (possibly unevenly padded) convolution module.
import type { WindowGeometry } from '../../ir/geometry.js';
import type { PytorchModule } from '../../layers/types.js';
import { pythonBool, pythonNumber, sizeLiteral, tupleLiteral } from './python.js';

/** F.pad's modes by cnnc's `pad_mode`/`mode` names. */
export const TORCH_PAD_MODES: Readonly<Record<string, string>> = {
  zeros: 'constant',
  reflect: 'reflect',
  replicate: 'replicate',
  circular: 'circular',
};

/** A module that PyTorch cannot express: `reason` completes "cannot be exported to PyTorch: …". */
export function noModule(reason: string, hint?: string): PytorchModule {
  return hint === undefined ? { unsupported: reason } : { unsupported: reason, hint };
}

/** `name=value` pairs, leaving out the ones equal to PyTorch's default. */
export function keywords(pairs: [string, string, string][]): string[] {
  return pairs.filter(([, value, fallback]) => value !== fallback).map(([k, v]) => `${k}=${v}`);
}

/** F.pad's side order: last dimension first, `(left, right, top, bottom, front, back)`. */
export function padSides(pads: WindowGeometry['pads']): string {
  const sides = [...pads].reverse().flatMap((pad) => [pad.lo, pad.hi]);
  return tupleLiteral(sides.map(pythonNumber));
}

/** Whether every spatial dimension is padded alike on both sides, as PyTorch's modules pad. */
export function symmetric(geometry: WindowGeometry): boolean {
  return geometry.pads.every((pad) => pad.lo === pad.hi);
}

/** A (possibly grouped) convolution over `dims` spatial dimensions. */
export function convolution(
  dims: number,
  inChannels: number,
  outChannels: number,
  geometry: WindowGeometry,
  options: { groups: number; bias: boolean; padMode: string },
): { code: string; helpers: string[] } {
  const mode = TORCH_PAD_MODES[options.padMode] ?? 'constant';
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
  const sides = `sides=${padSides(geometry.pads)}`;
  const padMode = mode === 'constant' ? [] : [`mode="${mode}"`];
  return {
    code: `PaddedConv${dims}d(${[...args, ...uneven, sides, ...padMode].join(', ')})`,
    helpers: [`PaddedConv${dims}d`],
  };
}
