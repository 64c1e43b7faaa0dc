// The output-size arithmetic of compiler/shapes/conv-arithmetic.ts against hand-worked cases.
// Every expected number comes from the cited source or from working its formula by hand; the
// comments name the source. Seeds are the lecture notes in ../shared/seeds/:
//   000 = 000_31b00e612f6ca8d7.txt, 001 = 001_daac7e56bf7f5832.txt, 003 = 003_bad6088df0c1229c.txt,
//   004 = 004_bb17b2e1683a5546.txt.
// "Guide" is Dumoulin & Visin, "A guide to convolution arithmetic for deep learning" (1603.07285).
import test from 'ava';
import type { DimPadding, PadMode } from '../../compiler/shapes/conv-arithmetic.js';
import {
  convOutputDim,
  poolOutputDim,
  resolvePadMode,
  transposedOutputDim,
} from '../../compiler/shapes/conv-arithmetic.js';

interface Case {
  source: string;
  kind: 'conv' | 'pool' | 'transposed';
  i: number;
  k: number;
  s?: number;
  d?: number;
  /** A symmetric int, explicit `[lo, hi]`, or a mode. */
  p?: number | [number, number] | PadMode;
  ceil?: boolean;
  outputPad?: number;
  out: number;
  /** The padding a mode resolves to, when the source states it. */
  pads?: [number, number];
  remainder?: number;
}

const cases: Case[] = [
  // Seed 003, "Output size: (N − F)/stride + 1", N = 7, F = 3.
  { source: 'seed 003 N=7 F=3 stride 1', kind: 'conv', i: 7, k: 3, out: 5 },
  { source: 'seed 003 N=7 F=3 stride 2', kind: 'conv', i: 7, k: 3, s: 2, out: 3, remainder: 0 },
  // Seed 003: stride 3 gives 2.33 ("doesn't fit"); toolkits round down (⌊·⌋ slide), leaving 1.
  { source: 'seed 003 N=7 F=3 stride 3', kind: 'conv', i: 7, k: 3, s: 3, out: 2, remainder: 1 },
  { source: 'seed 003 7x7 3x3 pad 1 → 7x7', kind: 'conv', i: 7, k: 3, p: 1, out: 7 },
  { source: 'seed 003 32x32 5x5 stride 1 pad 2 → 32', kind: 'conv', i: 32, k: 5, p: 2, out: 32 },
  { source: 'seed 003 32 → 28 with 5x5', kind: 'conv', i: 32, k: 5, out: 28 },
  { source: 'seed 003 28 → 24 with 5x5', kind: 'conv', i: 28, k: 5, out: 24 },
  // Seed 001, 1-D: l = 6, k = 3.
  {
    source: 'seed 001 valid o = l − k + 1 = 4',
    kind: 'conv',
    i: 6,
    k: 3,
    p: 'valid',
    out: 4,
    pads: [0, 0],
  },
  // Seed 001 "exact matching": one zero after the input, (6 + 1 − 3)/2 + 1 = 3.
  {
    source: 'seed 001 exact matching',
    kind: 'conv',
    i: 6,
    k: 3,
    s: 2,
    p: [0, 1],
    out: 3,
    remainder: 0,
  },
  // Seed 001 "not exact matching": two zeros after, ⌊(6 + 2 − 3)/2⌋ + 1 = 3.
  {
    source: 'seed 001 not exact matching',
    kind: 'conv',
    i: 6,
    k: 3,
    s: 2,
    p: [0, 2],
    out: 3,
    remainder: 1,
  },
  // Seed 001 "same": p = k − 1 = 2, left ⌊p/2⌋ = 1, right ⌈p/2⌉ = 1.
  { source: 'seed 001 same l=6 k=3', kind: 'conv', i: 6, k: 3, p: 'same', out: 6, pads: [1, 1] },
  // Seed 001 questions qn1–qn4: l = 224, k = 5, s = 2.
  { source: 'seed 001 qn2 valid', kind: 'conv', i: 224, k: 5, s: 2, p: 'valid', out: 110 },
  // qn3/qn4: o = ⌈224/2⌉ = 112, p = max(2·111 + 5 − 224, 0) = 3, split 1 | 2.
  {
    source: 'seed 001 qn4 same',
    kind: 'conv',
    i: 224,
    k: 5,
    s: 2,
    p: 'same',
    out: 112,
    pads: [1, 2],
  },
  // Seed 001 qn5/qn6 with their stated answers 111x111 and 111x113.
  { source: 'seed 001 qn5 224 k5 p1 s2', kind: 'conv', i: 224, k: 5, s: 2, p: 1, out: 111 },
  { source: 'seed 001 qn6 width, kernel 1', kind: 'conv', i: 224, k: 1, s: 2, p: 1, out: 113 },
  // Seed 004: 5x5 image, 3x3 filter.
  { source: 'seed 004 5x5 3x3 pad 1 stride 1', kind: 'conv', i: 5, k: 3, p: 1, out: 5 },
  { source: 'seed 004 5x5 3x3 no pad', kind: 'conv', i: 5, k: 3, out: 3 },
  { source: 'seed 004 5x5 3x3 stride 2 pad 1', kind: 'conv', i: 5, k: 3, s: 2, p: 1, out: 3 },
  { source: 'seed 004 10x10 2x2 max-pool stride 2', kind: 'pool', i: 10, k: 2, s: 2, out: 5 },
  { source: 'seed 004 VGG conv3 pad 1 keeps 224', kind: 'conv', i: 224, k: 3, p: 1, out: 224 },
  { source: 'seed 004 VGG pool2 224 → 112', kind: 'pool', i: 224, k: 2, s: 2, out: 112 },
  // Seed 000: "stride of 3 for 5x5 input" skips pixels: one window, 2 columns left over.
  { source: 'seed 000 stride 3 on 5x5', kind: 'conv', i: 5, k: 3, s: 3, out: 1, remainder: 2 },
  // PyTorch Conv2d docs examples on a 50x100 input.
  { source: 'torch Conv2d(16,33,3,stride=2) H', kind: 'conv', i: 50, k: 3, s: 2, out: 24 },
  { source: 'torch Conv2d(16,33,3,stride=2) W', kind: 'conv', i: 100, k: 3, s: 2, out: 49 },
  { source: 'torch Conv2d((3,5),(2,1),(4,2)) H', kind: 'conv', i: 50, k: 3, s: 2, p: 4, out: 28 },
  { source: 'torch Conv2d((3,5),(2,1),(4,2)) W', kind: 'conv', i: 100, k: 5, p: 2, out: 100 },
  // Dilation 3 on a 3-tap kernel spans 7: ⌊(50 + 8 − 7)/2⌋ + 1 = 26.
  {
    source: 'torch Conv2d(…, dilation=(3,1)) H',
    kind: 'conv',
    i: 50,
    k: 3,
    s: 2,
    p: 4,
    d: 3,
    out: 26,
  },
  { source: 'torch MaxPool2d(3, stride=2) H=50', kind: 'pool', i: 50, k: 3, s: 2, out: 24 },
  { source: 'torch MaxPool2d(3, stride=2) W=32', kind: 'pool', i: 32, k: 3, s: 2, out: 15 },
  // PyTorch ConvTranspose2d docs: the 12x12 → 6x6 → 12x12 round trip needs output_padding 1.
  { source: 'torch ConvTranspose2d doc downsample', kind: 'conv', i: 12, k: 3, s: 2, p: 1, out: 6 },
  {
    source: 'torch ConvTranspose2d doc upsample',
    kind: 'transposed',
    i: 6,
    k: 3,
    s: 2,
    p: 1,
    outputPad: 1,
    out: 12,
  },
  {
    source: 'torch ConvTranspose2d without output_pad',
    kind: 'transposed',
    i: 6,
    k: 3,
    s: 2,
    p: 1,
    out: 11,
  },
  // (50 − 1)·2 − 8 + 2 + 1 = 93 and (100 − 1)·1 − 4 + 4 + 1 = 100.
  {
    source: 'torch ConvTranspose2d((3,5),(2,1),(4,2)) H',
    kind: 'transposed',
    i: 50,
    k: 3,
    s: 2,
    p: 4,
    out: 93,
  },
  {
    source: 'torch ConvTranspose2d((3,5),(2,1),(4,2)) W',
    kind: 'transposed',
    i: 100,
    k: 5,
    p: 2,
    out: 100,
  },
  {
    source: 'torch ConvTranspose2d(3, stride=2) W=100',
    kind: 'transposed',
    i: 100,
    k: 3,
    s: 2,
    out: 201,
  },
  // Guide, chapter 2 (convolution) and 5 (dilation).
  { source: 'guide fig 2.1 i=4 k=3', kind: 'conv', i: 4, k: 3, out: 2 },
  { source: 'guide fig 2.2 i=5 k=4 p=2', kind: 'conv', i: 5, k: 4, p: 2, out: 6 },
  { source: 'guide fig 2.3 half padding', kind: 'conv', i: 5, k: 3, p: 1, out: 5 },
  {
    source: 'guide fig 2.4 full padding',
    kind: 'conv',
    i: 5,
    k: 3,
    p: 'full',
    out: 7,
    pads: [2, 2],
  },
  { source: 'guide fig 2.5 i=5 k=3 s=2', kind: 'conv', i: 5, k: 3, s: 2, out: 2 },
  { source: 'guide fig 2.6 i=5 k=3 s=2 p=1', kind: 'conv', i: 5, k: 3, s: 2, p: 1, out: 3 },
  {
    source: 'guide fig 2.7 i=6 k=3 s=2 p=1',
    kind: 'conv',
    i: 6,
    k: 3,
    s: 2,
    p: 1,
    out: 3,
    remainder: 1,
  },
  { source: 'guide fig 5.1 dilated i=7 k=3 d=2', kind: 'conv', i: 7, k: 3, d: 2, out: 3 },
  // Guide, chapter 4 (transposed): the transposes of figs 2.1, 2.5, 2.6 and 2.7.
  { source: 'guide fig 4.1 transposed', kind: 'transposed', i: 2, k: 3, out: 4 },
  { source: 'guide fig 4.5 transposed s=2', kind: 'transposed', i: 2, k: 3, s: 2, out: 5 },
  {
    source: 'guide fig 4.6 transposed s=2 p=1',
    kind: 'transposed',
    i: 3,
    k: 3,
    s: 2,
    p: 1,
    out: 5,
  },
  {
    source: 'guide fig 4.7 transposed a=1',
    kind: 'transposed',
    i: 3,
    k: 3,
    s: 2,
    p: 1,
    outputPad: 1,
    out: 6,
  },
  // TensorFlow "SAME" notes: in 13, filter 6, stride 5; VALID drops the last 2 columns.
  { source: 'tf VALID 13/6/5', kind: 'conv', i: 13, k: 6, s: 5, p: 'valid', out: 2, remainder: 2 },
  { source: 'tf SAME 13/6/5', kind: 'conv', i: 13, k: 6, s: 5, p: 'same', out: 3, pads: [1, 2] },
  // TF rule with an even kernel: total 1 goes to the end (pad_top = total // 2 = 0).
  { source: 'tf SAME even kernel', kind: 'conv', i: 5, k: 2, p: 'same', out: 5, pads: [0, 1] },
  // TF rule clipped at 0: o = ⌈5/2⌉ = 3 and (3 − 1)·2 + 1 − 5 = 0.
  {
    source: 'tf SAME 1x1 stride 2',
    kind: 'conv',
    i: 5,
    k: 1,
    s: 2,
    p: 'same',
    out: 3,
    pads: [0, 0],
  },
  // NumPy `convolve(mode='full')`: N + M − 1; with dilation 2 the 3 taps span 5.
  { source: 'numpy full N=5 M=3', kind: 'conv', i: 5, k: 3, p: 'full', out: 7 },
  {
    source: 'full dilated: 5 + 5 − 1',
    kind: 'conv',
    i: 5,
    k: 3,
    d: 2,
    p: 'full',
    out: 9,
    pads: [4, 4],
  },
  // PyTorch pooling_output_shape with ceil_mode.
  { source: 'torch ceil: 5, k2 s2 → 3', kind: 'pool', i: 5, k: 2, s: 2, ceil: true, out: 3 },
  { source: 'torch floor: 5, k2 s2 → 2', kind: 'pool', i: 5, k: 2, s: 2, out: 2, remainder: 1 },
  // ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but window 4 starts at 6 ≥ 5 + 1, inside the right padding: 3.
  { source: 'torch ceil edge rule', kind: 'pool', i: 5, k: 2, s: 2, p: 1, ceil: true, out: 3 },
  // torchvision googlenet.py shape comments: 112 → 56 → 28 … 14 → 7 with MaxPool2d(3, 2, ceil).
  { source: 'googlenet maxpool1 112 → 56', kind: 'pool', i: 112, k: 3, s: 2, ceil: true, out: 56 },
  { source: 'googlenet maxpool2 56 → 28', kind: 'pool', i: 56, k: 3, s: 2, ceil: true, out: 28 },
  { source: 'googlenet maxpool4 14 → 7', kind: 'pool', i: 14, k: 3, s: 2, ceil: true, out: 7 },
  // SqueezeNet 1.1: conv 3 stride 2 on 224 → 111, then MaxPool2d(3, 2, ceil) 111 → 55 → 27.
  { source: 'squeezenet1_1 conv1', kind: 'conv', i: 224, k: 3, s: 2, out: 111 },
  { source: 'squeezenet1_1 pool 111 → 55', kind: 'pool', i: 111, k: 3, s: 2, ceil: true, out: 55 },
  { source: 'squeezenet1_1 pool 55 → 27', kind: 'pool', i: 55, k: 3, s: 2, ceil: true, out: 27 },
  // AlexNet (torchvision): conv 11 stride 4 pad 2 on 224 → 55; 3/2 pools 55 → 27 → 13 → 6.
  { source: 'alexnet conv1', kind: 'conv', i: 224, k: 11, s: 4, p: 2, out: 55 },
  { source: 'alexnet pool 13 → 6', kind: 'pool', i: 13, k: 3, s: 2, out: 6 },
  // ResNet stem: conv 7 stride 2 pad 3 on 224 → 112, maxpool 3/2 pad 1 → 56.
  { source: 'resnet conv1', kind: 'conv', i: 224, k: 7, s: 2, p: 3, out: 112 },
  { source: 'resnet maxpool', kind: 'pool', i: 112, k: 3, s: 2, p: 1, out: 56 },
];

function padsOf(c: Case): DimPadding {
  const p = c.p ?? 0;
  if (typeof p === 'number') return { lo: p, hi: p };
  if (Array.isArray(p)) return { lo: p[0], hi: p[1] };
  return resolvePadMode(p, c.i, c.k, c.s ?? 1, c.d ?? 1);
}

function title(c: Case): string {
  const args = [
    `i=${c.i}`,
    `k=${c.k}`,
    `s=${c.s ?? 1}`,
    `d=${c.d ?? 1}`,
    `p=${JSON.stringify(c.p ?? 0)}`,
  ];
  if (c.ceil) args.push('ceil');
  if (c.outputPad) args.push(`output_pad=${c.outputPad}`);
  return `${c.kind} ${args.join(' ')} → ${c.out} (${c.source})`;
}

test('the table has at least 30 hand-worked cases', (t) => {
  t.true(cases.length >= 30);
});

for (const c of cases) {
  test(title(c), (t) => {
    const pad = padsOf(c);
    if (c.pads) t.deepEqual([pad.lo, pad.hi], c.pads);
    const [s, d] = [c.s ?? 1, c.d ?? 1];
    if (c.kind === 'transposed') {
      t.is(transposedOutputDim(c.i, c.k, s, d, pad, c.outputPad ?? 0), c.out);
      return;
    }
    const info =
      c.kind === 'pool'
        ? poolOutputDim(c.i, c.k, s, pad, c.ceil ?? false)
        : convOutputDim(c.i, c.k, s, d, pad);
    t.is(info.output, c.out);
    if (c.remainder !== undefined) t.is(info.remainder, c.remainder);
  });
}
