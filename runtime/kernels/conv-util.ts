// Descriptor checks shared by the convolution kernels, so that a wrong descriptor fails at create
// time. The output sizes come from the compiler↔runtime contract (contract/output-size.ts), the
// same functions the compiler's shape rules use.
export {
  convOutputSize,
  poolOutputSize,
  transposedOutputSize,
} from '../../contract/output-size.js';

/** Throws unless `actual` equals `expected`, naming the layer and the dimension. */
export function expectSize(what: string, dim: string, actual: number, expected: number): void {
  if (actual !== expected || !(expected > 0)) {
    throw new Error(`${what}: ${dim} is ${actual} but the shape rule gives ${expected}`);
  }
}

/** Throws unless every listed value is a positive integer. */
export function expectPositive(what: string, values: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${what}: ${name} must be a positive integer, found ${value}`);
    }
  }
}

/** Throws unless `groups` divides both channel counts. */
export function expectGroups(
  what: string,
  inChannels: number,
  outChannels: number,
  groups: number,
) {
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${what}: groups=${groups} must divide in channels ${inChannels} and out channels ${outChannels}`,
    );
  }
}

/** The sizes every 2-D convolution kernel (direct, transposed, and their gradients) reads. */
export interface Conv2dGeometry {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  groups: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** The loop-bound constants of a 2-D convolution kernel: the geometry with channels per group. */
export type Conv2dGeometryConstants = Omit<Conv2dGeometry, 'groups'> & {
  inPerGroup: number;
  outPerGroup: number;
};

/** The loop-bound constants of a 2-D convolution kernel, channels per group included. */
export function conv2dGeometry(desc: Conv2dGeometry): Conv2dGeometryConstants {
  return {
    inChannels: desc.inChannels,
    inHeight: desc.inHeight,
    inWidth: desc.inWidth,
    outChannels: desc.outChannels,
    outHeight: desc.outHeight,
    outWidth: desc.outWidth,
    inPerGroup: desc.inChannels / desc.groups,
    outPerGroup: desc.outChannels / desc.groups,
    filterHeight: desc.filterHeight,
    filterWidth: desc.filterWidth,
    strideHeight: desc.strideHeight,
    strideWidth: desc.strideWidth,
    dilationHeight: desc.dilationHeight,
    dilationWidth: desc.dilationWidth,
    padTop: desc.padTop,
    padLeft: desc.padLeft,
  };
}
