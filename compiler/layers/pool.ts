// Pooling: maxpool, avgpool and lppool, with `global` and `adaptive` forms. The gpu.js plan is in
// ./pool-gpujs.ts, the ONNX and PyTorch exports in ./pool-exports.ts.
import { inferPool } from './pool-rules.js';
import { planPool } from './pool-gpujs.js';
import { poolModule, poolOnnx } from './pool-exports.js';
import { plainGradient } from './gradients.js';
import { defineLayer, type ArgSpec, type LayerBackends } from './types.js';

const kernel: ArgSpec = {
  name: 'kernel',
  type: {
    kind: 'oneOf',
    types: [
      { kind: 'enum', values: ['global'] },
      { kind: 'spatial', min: 1 },
    ],
  },
  requiredUnless: 'adaptive',
  doc: 'window size, or `global` to pool every spatial dimension to 1',
};
const stride: ArgSpec = {
  name: 'stride',
  type: { kind: 'spatial', min: 1 },
  default: { sameAs: 'kernel' },
  doc: 'step between windows (defaults to the kernel)',
};
const pad: ArgSpec = {
  name: 'pad',
  type: { kind: 'pad', modes: false },
  default: 0,
  doc: 'implicit padding on both sides; at most half the kernel',
};
const ceil: ArgSpec = {
  name: 'ceil',
  type: { kind: 'bool' },
  default: false,
  doc: 'round the output size up (PyTorch `ceil_mode`)',
};
const adaptive: ArgSpec = {
  name: 'adaptive',
  type: { kind: 'spatial', min: 1 },
  optional: true,
  doc: 'pool to this output size (PyTorch `AdaptiveAvgPool2d`)',
};

const backends: LayerBackends<'maxpool' | 'avgpool' | 'lppool'> = {
  gpujs: planPool,
  gradients: {
    pool2d: plainGradient('pool2dGrad', 'input-output'),
    adaptivePool2d: plainGradient('adaptivePool2dGrad', 'input'),
  },
  onnx: poolOnnx,
  pytorch: poolModule,
};

export const maxpool = defineLayer({
  name: 'maxpool',
  doc: 'max pooling',
  args: [kernel, stride, pad, ceil, adaptive],
  inputs: 'one',
  infer: inferPool,
  params: 'none',
  traits: { window: 'pool' },
  backends,
});

export const avgpool = defineLayer({
  name: 'avgpool',
  doc: 'average pooling',
  args: [
    kernel,
    stride,
    pad,
    ceil,
    adaptive,
    {
      name: 'count_include_pad',
      type: { kind: 'bool' },
      default: true,
      doc: 'count padded zeros in the average (PyTorch default)',
    },
  ],
  inputs: 'one',
  infer: inferPool,
  params: 'none',
  traits: { window: 'pool' },
  backends,
});

export const lppool = defineLayer({
  name: 'lppool',
  doc: 'power-average pooling: `(Σ x^p)^(1/p)` over each window',
  args: [
    kernel,
    stride,
    pad,
    ceil,
    {
      name: 'p',
      type: { kind: 'float', min: 0, minExclusive: true },
      default: 2,
      doc: 'the power',
    },
  ],
  inputs: 'one',
  infer: inferPool,
  params: 'none',
  noWasmBackward: 'it has no WebAssembly backward yet',
  traits: { window: 'pool' },
  backends,
});
