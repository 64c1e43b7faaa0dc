// Code-generation diagnostic codes (4xxx), raised by `cnnc build` (compiler/emit/). Part of the
// catalog in ./catalog.ts; docs/errors/CNN4xxx.md explains each one.
import type { CatalogEntry } from './catalog.js';

export const emitCodes = {
  CNN4001: {
    slug: 'renamed-identifier',
    severity: 'warning',
    title: 'Name renamed in the generated module',
  },
  CNN4002: {
    slug: 'unsupported-layer',
    severity: 'error',
    title: 'Layer not supported by the build target',
  },
  CNN4010: {
    slug: 'onnx-not-expressible',
    severity: 'error',
    title: 'Layer with no ONNX equivalent',
  },
  CNN4011: {
    slug: 'model-too-large-to-build',
    severity: 'error',
    title: 'Model too large to build',
  },
} satisfies Record<string, CatalogEntry>;
