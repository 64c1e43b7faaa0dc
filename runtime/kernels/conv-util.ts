// Shape arithmetic shared by the convolution kernels (LANGUAGE.md §6), used to validate the
// descriptors the compiler computes so that a wrong descriptor fails at create time.

/** `floor((size + lo + hi − (dilation·(kernel−1)+1)) / stride) + 1`, the §6 output-size rule. */
export function convOutputSize(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  lo: number,
  hi: number,
): number {
  const effective = dilation * (kernel - 1) + 1;
  return Math.floor((size + lo + hi - effective) / stride) + 1;
}

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
