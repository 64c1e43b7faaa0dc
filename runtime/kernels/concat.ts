// Concatenation along channels (`concat(a, b, …)`, Inception branches, DenseNet's `dense`).
import type { Backend } from '../backend.js';
import { makeLayer, type KernelThis, type LayerKernel, type Stage } from '../layer.js';
import { expectPositive } from './conv-util.js';
import type { ConcatDescriptor } from '../../contract/descriptors.js';
export type { ConcatDescriptor } from '../../contract/descriptors.js';

interface ConcatConstants {
  firstSize: number;
  secondSize: number;
}

// Per sample, the output is the first input's block followed by the second's.
function concatKernel(this: KernelThis<ConcatConstants>, a: number[], b: number[]): number {
  const total = this.constants.firstSize + this.constants.secondSize;
  const offset = this.thread.x % total;
  const n = Math.floor(this.thread.x / total);
  if (offset < this.constants.firstSize) return a[n * this.constants.firstSize + offset];
  return b[n * this.constants.secondSize + offset - this.constants.firstSize];
}

/**
 * Concat specialised on `desc`: `(a, b, …, batch) => output`. More than two inputs are joined left
 * to right in `inputs − 1` passes.
 */
export function concat(backend: Backend, desc: ConcatDescriptor): LayerKernel<Float32Array[]> {
  if (desc.channels.length < 2) {
    throw new Error(`concat: needs at least 2 inputs, found ${desc.channels.length}`);
  }
  const named = Object.fromEntries(desc.channels.map((c, index) => [`channels[${index}]`, c]));
  expectPositive('concat', { spatial: desc.spatial, ...named });
  const totalChannels = desc.channels.reduce((acc, c) => acc + c, 0);
  const stages = (batch: number): Stage[] => {
    const result: Stage[] = [];
    let joined = desc.channels[0];
    for (let index = 1; index < desc.channels.length; index++) {
      const constants: ConcatConstants = {
        firstSize: joined * desc.spatial,
        secondSize: desc.channels[index] * desc.spatial,
      };
      joined += desc.channels[index];
      const length = batch * joined * desc.spatial;
      const kernel = backend.kernel('concat', concatKernel, { ...constants }, length);
      result.push({ kernel, args: [index === 1 ? 0 : 'previous', index] });
    }
    return result;
  };
  const batched = desc.channels.map((_, index) => index);
  return makeLayer(
    (batch) => batch * totalChannels * desc.spatial,
    stages,
    {},
    { what: 'concat', batched, perSample: totalChannels * desc.spatial },
  );
}
