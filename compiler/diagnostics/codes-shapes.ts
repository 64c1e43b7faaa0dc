// Shape-checking diagnostic codes (3xxx). Part of the catalog in ./catalog.ts.
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
} satisfies Record<string, CatalogEntry>;
