// The layer table: one single-layer model per layer and option combination, with its float64
// reference from test/helpers/reference.ts. Names carry the parameters, as tfjs's tests do.
import * as ref from '../helpers/reference.js';
import type { RefTensor } from '../helpers/reference.js';

type Params = (name: string) => RefTensor;

/** One case: input shape (per sample), the layer line, and the reference of the layer. */
export interface LayerCase {
  name: string;
  input: number[];
  layer: string;
  reference: (x: RefTensor, p: Params) => RefTensor;
}

type Pads = [number, number][];
const sym = (pad: number, dims = 2): Pads => Array.from({ length: dims }, () => [pad, pad]);

function conv(options: {
  stride?: number[];
  dilation?: number[];
  pads: Pads;
  groups?: number;
  padMode?: ref.RefPadMode;
  bias?: boolean;
}) {
  const dims = options.pads.length;
  return (x: RefTensor, p: Params) =>
    ref.convNd(x, p('0.weight'), options.bias === false ? null : p('0.bias'), {
      stride: options.stride ?? Array(dims).fill(1),
      dilation: options.dilation ?? Array(dims).fill(1),
      pads: options.pads,
      groups: options.groups ?? 1,
      padMode: options.padMode ?? 'zeros',
    });
}

function pool(
  kind: 'max' | 'avg' | 'lp',
  kernel: [number, number],
  stride: [number, number],
  pads: [[number, number], [number, number]],
  extra: { ceil?: boolean; countIncludePad?: boolean; p?: number } = {},
) {
  return (x: RefTensor) =>
    ref.pool2d(x, {
      kind,
      kernel,
      stride,
      pads,
      ceil: extra.ceil ?? false,
      countIncludePad: extra.countIncludePad ?? true,
      p: extra.p ?? 2,
    });
}

function reshape(x: RefTensor, shape: number[]): RefTensor {
  return { data: x.data, shape };
}

function elementwise(kind: string, alpha?: number) {
  return (x: RefTensor) => ({ data: ref.activateAll(x.data, kind, alpha), shape: x.shape });
}

function bn(affine: boolean, eps = 1e-5) {
  return (x: RefTensor, p: Params) =>
    ref.batchnorm(
      x,
      affine ? [...p('0.weight').data] : null,
      affine ? [...p('0.bias').data] : null,
      [...p('0.running_mean').data],
      [...p('0.running_var').data],
      eps,
    );
}

const conv2dCases: LayerCase[] = [
  {
    name: 'conv k=3 s=1 p=0',
    input: [2, 6, 6],
    layer: 'conv(3, 3)',
    reference: conv({ pads: sym(0) }),
  },
  {
    name: 'conv k=3 s=2 p=1',
    input: [2, 7, 7],
    layer: 'conv(3, 3, stride=2, pad=1)',
    reference: conv({ stride: [2, 2], pads: sym(1) }),
  },
  {
    name: 'conv k=(3,2) s=(1,2) d=2',
    input: [2, 7, 7],
    layer: 'conv(2, (3, 2), stride=(1, 2), dilation=2)',
    reference: conv({ stride: [1, 2], dilation: [2, 2], pads: sym(0) }),
  },
  {
    name: 'conv groups=2 bias=false',
    input: [4, 5, 5],
    layer: 'conv(6, 3, groups=2, pad=1, bias=false)',
    reference: conv({ pads: sym(1), groups: 2, bias: false }),
  },
  {
    name: 'conv pad=(1,2)',
    input: [2, 5, 5],
    layer: 'conv(2, 3, pad=(1, 2))',
    reference: conv({
      pads: [
        [1, 1],
        [2, 2],
      ],
    }),
  },
  {
    name: 'conv pad=[0,1,2,1]',
    input: [2, 5, 5],
    layer: 'conv(2, 3, pad=[0, 1, 2, 1])',
    reference: conv({
      pads: [
        [0, 1],
        [2, 1],
      ],
    }),
  },
  {
    name: 'conv pad=same s=2',
    input: [2, 6, 6],
    layer: 'conv(2, 3, stride=2, pad=same)',
    reference: conv({
      stride: [2, 2],
      pads: [
        [0, 1],
        [0, 1],
      ],
    }),
  },
  {
    name: 'conv pad=valid',
    input: [2, 5, 5],
    layer: 'conv(2, 3, pad=valid)',
    reference: conv({ pads: sym(0) }),
  },
  {
    name: 'conv pad=full',
    input: [2, 4, 4],
    layer: 'conv(2, 3, pad=full)',
    reference: conv({ pads: sym(2) }),
  },
  {
    name: 'conv pad_mode=reflect',
    input: [2, 5, 5],
    layer: 'conv(2, 3, pad=1, pad_mode=reflect)',
    reference: conv({ pads: sym(1), padMode: 'reflect' }),
  },
  {
    name: 'conv pad_mode=replicate',
    input: [2, 5, 5],
    layer: 'conv(2, 3, pad=2, pad_mode=replicate)',
    reference: conv({ pads: sym(2), padMode: 'replicate' }),
  },
  {
    name: 'conv pad_mode=circular',
    input: [2, 5, 5],
    layer: 'conv(2, 3, pad=1, pad_mode=circular)',
    reference: conv({ pads: sym(1), padMode: 'circular' }),
  },
  { name: 'conv 1x1', input: [3, 4, 4], layer: 'conv(5, 1)', reference: conv({ pads: sym(0) }) },
  {
    name: 'conv1d k=3 s=2 p=1 d=2',
    input: [2, 9],
    layer: 'conv1d(3, 3, stride=2, pad=1, dilation=2)',
    reference: conv({ stride: [2], dilation: [2], pads: sym(1, 1) }),
  },
  {
    name: 'conv3d k=2 p=1',
    input: [2, 3, 3, 3],
    layer: 'conv3d(2, 2, pad=1)',
    reference: conv({ pads: sym(1, 3) }),
  },
  {
    name: 'depthwise k=3 m=2 p=1',
    input: [3, 5, 5],
    layer: 'depthwise(3, multiplier=2, pad=1)',
    reference: conv({ pads: sym(1), groups: 3 }),
  },
  {
    name: 'separable out=4 k=3',
    input: [3, 5, 5],
    layer: 'separable(4, 3, pad=1)',
    reference: (x, p) => {
      const mid = ref.convNd(x, p('0.depthwise.weight'), null, {
        stride: [1, 1],
        dilation: [1, 1],
        pads: sym(1),
        groups: 3,
        padMode: 'zeros',
      });
      return ref.convNd(mid, p('0.pointwise.weight'), p('0.pointwise.bias'), {
        stride: [1, 1],
        dilation: [1, 1],
        pads: sym(0),
        groups: 1,
        padMode: 'zeros',
      });
    },
  },
];

const transposeCases: LayerCase[] = [
  {
    name: 'convtranspose k=3 s=2 p=1 op=1',
    input: [2, 3, 3],
    layer: 'convtranspose(3, 3, stride=2, pad=1, output_pad=1)',
    reference: (x, p) =>
      ref.convTranspose2d(x, p('0.weight'), p('0.bias'), {
        stride: [2, 2],
        dilation: [1, 1],
        pads: [
          [1, 1],
          [1, 1],
        ],
        outputPad: [1, 1],
        groups: 1,
      }),
  },
  {
    name: 'convtranspose groups=2 d=2',
    input: [4, 3, 3],
    layer: 'convtranspose(2, 2, groups=2, dilation=2)',
    reference: (x, p) =>
      ref.convTranspose2d(x, p('0.weight'), p('0.bias'), {
        stride: [1, 1],
        dilation: [2, 2],
        pads: [
          [0, 0],
          [0, 0],
        ],
        outputPad: [0, 0],
        groups: 2,
      }),
  },
];

const poolCases: LayerCase[] = [
  {
    name: 'maxpool k=2',
    input: [2, 4, 4],
    layer: 'maxpool(2)',
    reference: pool(
      'max',
      [2, 2],
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
    ),
  },
  {
    name: 'maxpool k=3 s=2 p=1 ceil',
    input: [2, 6, 6],
    layer: 'maxpool(3, stride=2, pad=1, ceil=true)',
    reference: pool(
      'max',
      [3, 3],
      [2, 2],
      [
        [1, 1],
        [1, 1],
      ],
      { ceil: true },
    ),
  },
  {
    name: 'avgpool k=3 s=2 ceil',
    input: [2, 6, 6],
    layer: 'avgpool(3, stride=2, ceil=true)',
    reference: pool(
      'avg',
      [3, 3],
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
      { ceil: true },
    ),
  },
  {
    name: 'avgpool p=1 count_include_pad=false',
    input: [2, 5, 5],
    layer: 'avgpool(3, stride=1, pad=1, count_include_pad=false)',
    reference: pool(
      'avg',
      [3, 3],
      [1, 1],
      [
        [1, 1],
        [1, 1],
      ],
      { countIncludePad: false },
    ),
  },
  {
    name: 'lppool p=2 k=2',
    input: [2, 4, 4],
    layer: 'lppool(2, p=2)',
    reference: pool(
      'lp',
      [2, 2],
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
    ),
  },
  {
    name: 'lppool k=3 s=2 ceil',
    input: [2, 6, 6],
    layer: 'lppool(3, stride=2, ceil=true)',
    reference: pool(
      'lp',
      [3, 3],
      [2, 2],
      [
        [0, 0],
        [0, 0],
      ],
      { ceil: true },
    ),
  },
  {
    name: 'avgpool global',
    input: [3, 4, 5],
    layer: 'avgpool(global)',
    reference: (x) => ref.adaptivePool2d(x, 'avg', 1, 1),
  },
  {
    name: 'maxpool adaptive=(2,3)',
    input: [2, 5, 7],
    layer: 'maxpool(adaptive=(2, 3))',
    reference: (x) => ref.adaptivePool2d(x, 'max', 2, 3),
  },
  {
    name: 'maxpool 1-D k=2',
    input: [2, 8],
    layer: 'maxpool(2)',
    reference: (x) => {
      const out = pool(
        'max',
        [1, 2],
        [1, 2],
        [
          [0, 0],
          [0, 0],
        ],
      )(reshape(x, [x.shape[0], 2, 1, 8]));
      return reshape(out, [x.shape[0], 2, 4]);
    },
  },
];

const denseCases: LayerCase[] = [
  {
    name: 'linear out=5',
    input: [7],
    layer: 'linear(5)',
    reference: (x, p) => ref.linear(x, p('0.weight'), p('0.bias')),
  },
  {
    name: 'linear bias=false',
    input: [6],
    layer: 'linear(3, bias=false)',
    reference: (x, p) => ref.linear(x, p('0.weight'), null),
  },
  { name: 'batchnorm 2-D', input: [3, 3, 3], layer: 'batchnorm', reference: bn(true) },
  {
    name: 'batchnorm affine=false eps=1e-3',
    input: [3, 2, 2],
    layer: 'batchnorm(eps=1e-3, affine=false)',
    reference: bn(false, 1e-3),
  },
  { name: 'softmax', input: [4, 2, 2], layer: 'softmax', reference: (x) => ref.softmax(x) },
  {
    name: 'lrn size=3',
    input: [5, 2, 2],
    layer: 'lrn(size=3, alpha=0.01, beta=0.5, k=1)',
    reference: (x) => ref.lrn(x, 3, 0.01, 0.5, 1),
  },
  {
    name: 'pad [1,0,2,1] reflect',
    input: [2, 4, 4],
    layer: 'pad([1, 0, 2, 1], mode=reflect)',
    reference: (x) =>
      ref.padNd(
        x,
        [
          [1, 0],
          [2, 1],
        ],
        'reflect',
      ),
  },
  {
    name: 'pad 1 zeros',
    input: [2, 3, 3],
    layer: 'pad(1)',
    reference: (x) =>
      ref.padNd(
        x,
        [
          [1, 1],
          [1, 1],
        ],
        'zeros',
      ),
  },
  {
    name: 'pad 2 circular',
    input: [2, 3, 3],
    layer: 'pad(2, mode=circular)',
    reference: (x) =>
      ref.padNd(
        x,
        [
          [2, 2],
          [2, 2],
        ],
        'circular',
      ),
  },
  { name: 'dropout p=0.3', input: [2, 3], layer: 'dropout(0.3)', reference: (x) => x },
  {
    name: 'flatten',
    input: [2, 2, 2],
    layer: 'flatten',
    reference: (x) => reshape(x, [x.shape[0], 8]),
  },
];

const activationCases: LayerCase[] = [
  ...['relu', 'relu6', 'sigmoid', 'tanh', 'gelu', 'silu', 'hardswish', 'identity'].map((kind) => ({
    name: kind,
    input: [2, 3, 3],
    layer: kind,
    reference: elementwise(kind),
  })),
  {
    name: 'leaky_relu alpha=0.2',
    input: [2, 3, 3],
    layer: 'leaky_relu(alpha=0.2)',
    reference: elementwise('leaky_relu', 0.2),
  },
  {
    name: 'elu alpha=0.5',
    input: [2, 3, 3],
    layer: 'elu(alpha=0.5)',
    reference: elementwise('elu', 0.5),
  },
];

// `normalize`, last so that the seeds of the cases above stay as they were.
const normalizeCases: LayerCase[] = [
  {
    name: 'normalize learnt (buffers loaded)',
    input: [3, 3, 3],
    layer: 'normalize',
    reference: (x, p) => ref.normalize(x, [...p('0.mean').data], [...p('0.std').data]),
  },
  {
    name: 'normalize after flatten (1 value per channel)',
    input: [5],
    layer: 'normalize(mean=[0.1, 0.2, 0.3, 0.4, 0.5], std=2)',
    reference: (x, p) => ref.normalize(x, [...p('0.mean').data], [...p('0.std').data]),
  },
];

/** The joins, on the model input named twice. */
const joinCases: LayerCase[] = [
  {
    name: 'add(x, x)',
    input: [2, 3, 3],
    layer: 'add(x, x)',
    reference: (x) => ({ data: Float64Array.from(x.data, (v) => v + v), shape: x.shape }),
  },
  {
    name: 'concat(x, x)',
    input: [2, 3, 3],
    layer: 'concat(x, x)',
    reference: (x) => ref.concat([x, x]),
  },
];

function upsample(scale: [number, number], mode: 'nearest' | 'bilinear', alignCorners = false) {
  return (x: RefTensor) => ref.upsample2d(x, { scale, mode, alignCorners });
}

function gn(groups: number, affine: boolean, eps = 1e-5) {
  return (x: RefTensor, p: Params) =>
    ref.groupnorm(
      x,
      affine ? [...p('0.weight').data] : null,
      affine ? [...p('0.bias').data] : null,
      groups,
      eps,
    );
}

/** Resampling and group normalisation (the worked example of CONTRIBUTING.md). */
const resampleCases: LayerCase[] = [
  {
    name: 'upsample 2 nearest',
    input: [2, 3, 4],
    layer: 'upsample(2)',
    reference: upsample([2, 2], 'nearest'),
  },
  {
    name: 'upsample (3,2) nearest',
    input: [2, 3, 2],
    layer: 'upsample((3, 2))',
    reference: upsample([3, 2], 'nearest'),
  },
  {
    name: 'upsample 2 bilinear',
    input: [2, 3, 4],
    layer: 'upsample(2, mode=bilinear)',
    reference: upsample([2, 2], 'bilinear'),
  },
  {
    name: 'upsample (2,3) bilinear align_corners',
    input: [2, 3, 4],
    layer: 'upsample((2, 3), mode=bilinear, align_corners=true)',
    reference: upsample([2, 3], 'bilinear', true),
  },
  {
    name: 'upsample 3 bilinear 1x1',
    input: [1, 1, 1],
    layer: 'upsample(3, mode=bilinear)',
    reference: upsample([3, 3], 'bilinear'),
  },
  { name: 'groupnorm 2', input: [4, 3, 3], layer: 'groupnorm(2)', reference: gn(2, true) },
  {
    name: 'groupnorm 3 affine=false eps=0.1',
    input: [6, 2, 2],
    layer: 'groupnorm(3, eps=0.1, affine=false)',
    reference: gn(3, false, 0.1),
  },
  { name: 'groupnorm 1 on [6]', input: [6], layer: 'groupnorm(1)', reference: gn(1, true) },
];

/** Every case of the layer table. */
export const layerCases: LayerCase[] = [
  ...conv2dCases,
  ...transposeCases,
  ...poolCases,
  ...denseCases,
  ...activationCases,
  ...normalizeCases,
  ...joinCases,
  ...resampleCases,
];
