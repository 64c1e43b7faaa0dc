// Shape-checking diagnostic codes (3xxx). Part of the catalog in ./catalog.ts. CNN3002 and CNN3003
// are raised by the expansion (assertions and `in.*`); the others by the layers' shape rules in
// compiler/layers/*-rules.ts. docs/errors/CNN3xxx.md explains each one.
import type { CatalogEntry } from './catalog.js';

export const shapeCodes = {
  CNN3001: {
    slug: 'output-size-nonpositive',
    severity: 'error',
    title: 'Output size is not positive',
  },
  CNN3002: { slug: 'shape-assertion-failed', severity: 'error', title: 'Shape assertion failed' },
  CNN3003: {
    slug: 'shape-property-unavailable',
    severity: 'error',
    title: 'Shape property not available for this value',
  },
  CNN3010: {
    slug: 'stride-skips-input',
    severity: 'warning',
    title: 'Stride leaves the end of the input unread',
  },
  CNN3011: {
    slug: 'input-rank-mismatch',
    severity: 'error',
    title: 'Input has the wrong number of dimensions for this layer',
  },
  CNN3012: {
    slug: 'spatial-arity-mismatch',
    severity: 'error',
    title: 'Per-dimension argument has the wrong number of values',
  },
  CNN3013: {
    slug: 'groups-not-dividing',
    severity: 'error',
    title: '`groups` does not divide the channels',
  },
  CNN3014: {
    slug: 'linear-input-not-flat',
    severity: 'error',
    title: '`linear` applied to a multi-dimensional input',
  },
  CNN3015: {
    slug: 'add-shape-mismatch',
    severity: 'error',
    title: '`add` operands have different shapes',
  },
  CNN3016: {
    slug: 'concat-shape-mismatch',
    severity: 'error',
    title: '`concat` operands differ outside the channel dimension',
  },
  CNN3017: {
    slug: 'output-pad-too-large',
    severity: 'error',
    title: '`output_pad` is not smaller than the stride or dilation',
  },
  CNN3018: {
    slug: 'pool-pad-too-large',
    severity: 'error',
    title: 'Pooling padding larger than half the kernel',
  },
  CNN3019: {
    slug: 'pad-mode-too-large',
    severity: 'error',
    title: '`reflect` or `circular` padding larger than the input',
  },
  CNN3020: {
    slug: 'pool-kernel-and-adaptive',
    severity: 'error',
    title: 'Pooling given both a kernel and an adaptive output size',
  },
  CNN3021: {
    slug: 'normalize-channel-count',
    severity: 'error',
    title: '`normalize` given a number of values other than one or the channel count',
  },
} satisfies Record<string, CatalogEntry>;
