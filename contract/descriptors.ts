// The compiler↔runtime contract: the descriptor of every kernel factory of `cnnc/runtime`, as
// plain data. The compiler fills them (compiler/emit/gpujs-target.ts, typed through
// `KernelCall`), generated modules state each one once, and the runtime validates and runs them
// (runtime/kernels/, runtime/gradients/, whose backward factories take their forward's
// descriptor). This folder is the one seam both sides import; it imports nothing.

/** Activation names as in LANGUAGE.md §5 (softmax has its own kernel). */
export type ActivationKind =
  | 'identity'
  | 'relu'
  | 'relu6'
  | 'leaky_relu'
  | 'elu'
  | 'sigmoid'
  | 'tanh'
  | 'gelu'
  | 'silu'
  | 'hardswish';

/** An activation and its parameter (`alpha` of leaky_relu, default 0.01, and elu, default 1). */
export interface ActivationSpec {
  kind: ActivationKind;
  alpha?: number;
}

/** Shape of an elementwise layer: the per-sample element count (any layout). */
export interface ElementwiseDescriptor {
  /** Elements per sample, e.g. `channels · height · width`. */
  features: number;
}

/** How padding is filled, as PyTorch's `padding_mode`. */
export type PadMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** One spatial dimension of a convolution: sizes, filter, stride, dilation, padding per side. */
export interface ConvAxis {
  inSize: number;
  outSize: number;
  filter: number;
  stride: number;
  dilation: number;
  padLo: number;
  padHi: number;
}

/**
 * Shape of a 3-D convolution. Input `[batch, inChannels, depth, height, width]`, weight
 * `[outChannels, inChannels / groups, filterDepth, filterHeight, filterWidth]`, bias
 * `[outChannels]`, output `[batch, outChannels, outDepth, outHeight, outWidth]`, all flat.
 */
export interface Conv3dDescriptor {
  inChannels: number;
  outChannels: number;
  depth: ConvAxis;
  height: ConvAxis;
  width: ConvAxis;
  groups: number;
  padMode: PadMode;
  activation?: ActivationSpec;
}

/** Pooling flavours: `lp` is PyTorch's `LPPool2d`, `(Σ x^p)^(1/p)`. */
export type PoolKind = 'max' | 'avg' | 'lp';

/**
 * Shape of a 2-D pooling. Input `[batch, channels, inHeight, inWidth]`, output `[batch, channels,
 * outHeight, outWidth]`, flat NCHW. Padding is explicit per side; with `ceil=true` the compiler
 * passes PyTorch's larger output size (the last window may start in the input or left padding and
 * run past the right padding, where it is clipped).
 */
export interface Pool2dDescriptor {
  kind: PoolKind;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /** Average pooling: divide by the window size including padding (PyTorch's default, true). */
  countIncludePad?: boolean;
  /** Power of `lp` pooling (default 2). */
  p?: number;
}

/** Shape of an add: `inputs` tensors of `[batch, features]` (any per-sample layout), same output. */
export interface AddDescriptor {
  features: number;
  /** Number of summed tensors, at least 2. */
  inputs: number;
  /** Applied once, after the last sum. */
  activation?: ActivationSpec;
}

/**
 * Shape of a concat: input `i` is `[batch, channels[i], …spatial]` flat, with `spatial` elements per
 * channel (`height · width`); the output is `[batch, Σ channels, …spatial]`.
 */
export interface ConcatDescriptor {
  channels: readonly number[];
  spatial: number;
}

/**
 * Shape of a softmax: input and output `[batch, channels, …spatial]` flat, normalised over
 * `channels` at each of the `spatial` positions (1 for logits `[batch, classes]`).
 */
export interface SoftmaxDescriptor {
  channels: number;
  spatial: number;
}

/**
 * Shape of a pad layer: input `[batch, channels, inHeight, inWidth]`, output `[batch, channels,
 * inHeight + padTop + padBottom, inWidth + padLeft + padRight]`, flat NCHW.
 */
export interface PadDescriptor {
  channels: number;
  inHeight: number;
  inWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  mode: PadMode;
}

/** Shape of an elementwise chain: `[batch, features]` in and out, `steps` applied in order. */
export interface ElementwiseChainDescriptor {
  features: number;
  steps: readonly ActivationSpec[];
}

/**
 * Shape of a linear layer. Input `[batch, inFeatures]`, weight `[outFeatures, inFeatures]`
 * (PyTorch's layout), bias `[outFeatures]`, output `[batch, outFeatures]`.
 */
export interface LinearDescriptor {
  inFeatures: number;
  outFeatures: number;
  activation?: ActivationSpec;
}

/**
 * Shape of a 2-D convolution, computed by the compiler. Input `[batch, inChannels, inHeight,
 * inWidth]`, weight `[outChannels, inChannels / groups, filterHeight, filterWidth]`, bias
 * `[outChannels]`, output `[batch, outChannels, outHeight, outWidth]`, all flat NCHW.
 */
export interface Conv2dDescriptor {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  groups: number;
  padMode: PadMode;
  /** Fused epilogue applied after the bias; identity when absent. */
  activation?: ActivationSpec;
}

/** Shape of a dropout: `[batch, features]` in and out; `p` is the probability of dropping a unit. */
export interface DropoutDescriptor {
  features: number;
  p: number;
}

/**
 * Shape of an adaptive pooling: input `[batch, channels, inHeight, inWidth]`, output
 * `[batch, channels, outHeight, outWidth]`, flat NCHW. Global pooling is `outHeight = outWidth = 1`.
 */
export interface AdaptivePool2dDescriptor {
  kind: 'max' | 'avg';
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
}

/**
 * Shape of a 1-D convolution. Input `[batch, inChannels, length.inSize]`, weight
 * `[outChannels, inChannels / groups, length.filter]`, bias `[outChannels]`, output
 * `[batch, outChannels, length.outSize]`, all flat.
 */
export interface Conv1dDescriptor {
  inChannels: number;
  outChannels: number;
  length: ConvAxis;
  groups: number;
  padMode: PadMode;
  activation?: ActivationSpec;
}

/**
 * Shape of a batch normalisation: input and output `[batch, channels, …spatial]` flat, with
 * `spatial` elements per channel (`height · width` in 2-D, 1 after `flatten`). Parameters `gamma`,
 * `beta`, `runningMean`, `runningVar` are `[channels]`.
 */
export interface BatchNormDescriptor {
  channels: number;
  spatial: number;
  eps?: number;
  activation?: ActivationSpec;
}

/**
 * Shape of a transposed convolution. Input `[batch, inChannels, inHeight, inWidth]`, weight
 * `[inChannels, outChannels / groups, filterHeight, filterWidth]` (PyTorch's layout), bias
 * `[outChannels]`, output `[batch, outChannels, outHeight, outWidth]` with
 * `out = (in − 1)·stride − padLo − padHi + dilation·(filter − 1) + outputPad + 1` (LANGUAGE.md §6).
 */
export interface ConvTranspose2dDescriptor {
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  outputPadHeight: number;
  outputPadWidth: number;
  groups: number;
  activation?: ActivationSpec;
}

/**
 * Shape of an LRN: input and output `[batch, channels, …spatial]` flat. Defaults as LANGUAGE.md §5:
 * `size=5, alpha=1e-4, beta=0.75, k=2`.
 */
export interface LrnDescriptor {
  channels: number;
  spatial: number;
  size?: number;
  alpha?: number;
  beta?: number;
  k?: number;
}

/** Options of training-mode batch normalisation (PyTorch `BatchNorm*d` defaults). */
export interface BatchNormTrainDescriptor extends BatchNormDescriptor {
  /** Weight of the batch statistic in the running average (default 0.1). */
  momentum?: number;
}

/** Shape of a flatten: `[batch, features]` in and out, whatever the per-sample layout. */
export interface FlattenDescriptor {
  features: number;
}

/**
 * Shape of a normalisation: input and output `[batch, channels, …spatial]` flat, with `spatial`
 * elements per channel. The buffers `mean` and `std` are `[channels]`.
 */
export interface NormalizeDescriptor {
  channels: number;
  spatial: number;
}

/** Shape of a group normalisation: `[batch, channels, …spatial]` flat, `spatial` per channel. */
export interface GroupNormDescriptor {
  channels: number;
  spatial: number;
  groups: number;
  eps: number;
}

/** Shape of an upsampling: input `[batch, channels, inHeight, inWidth]` flat, integer scales. */
export interface UpsampleDescriptor {
  channels: number;
  inHeight: number;
  inWidth: number;
  scaleHeight: number;
  scaleWidth: number;
  mode: 'nearest' | 'bilinear';
  alignCorners: boolean;
}

/**
 * Every kernel factory of `cnnc/runtime` a target plans, and the descriptor it takes: the
 * compiler types its kernel calls by this table (compiler/emit/target.ts), the runtime's tables
 * of forward and backward factories (runtime/factories.ts, runtime/gradients/registry.ts) are
 * typed by it, so a descriptor one side fills and the other does not read fails to compile.
 */
export interface KernelDescriptors {
  conv2d: Conv2dDescriptor;
  conv2dIm2col: Conv2dDescriptor;
  conv1d: Conv1dDescriptor;
  conv3d: Conv3dDescriptor;
  convTranspose2d: ConvTranspose2dDescriptor;
  linear: LinearDescriptor;
  pool2d: Pool2dDescriptor;
  adaptivePool2d: AdaptivePool2dDescriptor;
  pad: PadDescriptor;
  activation: ElementwiseDescriptor & ActivationSpec;
  elementwiseChain: ElementwiseChainDescriptor;
  softmax: SoftmaxDescriptor;
  lrn: LrnDescriptor;
  dropout: DropoutDescriptor;
  batchnorm: BatchNormDescriptor;
  normalize: NormalizeDescriptor;
  groupnorm: GroupNormDescriptor;
  upsample: UpsampleDescriptor;
  add: AddDescriptor;
  concat: ConcatDescriptor;
}

/** The name of a kernel factory (the runtime export generated code calls). */
export type KernelFactory = keyof KernelDescriptors;
