// The benchmark's architectures written again in TensorFlow.js (NHWC), reading cnnc's saved
// weights in PyTorch `state_dict` order with a shape check on every tensor, so a mismatch between
// this file and the .cnn model fails loudly instead of comparing different networks.
import type * as TF from '@tensorflow/tfjs-core';
import { depthwiseToHwc1, oihwToHwio } from '../lib/layout.js';
import type { Architecture } from '../lib/workloads.js';

type Tf = typeof TF;
type Layer = (x: TF.Tensor4D, training: boolean) => TF.Tensor4D;

/** The next tensor of the file, in order; throws naming it when its shape is not `shape`. */
export type TakeTensor = (shape: number[]) => { name: string; data: Float32Array };

export interface TfjsModel {
  /** NHWC input → logits `[batch, classes]` (or NHWC for the single convolution). */
  apply(x: TF.Tensor4D, training: boolean): TF.Tensor;
  /** The trainable tensors (convolution and linear weights and biases, BatchNorm γ and β). */
  trainable: TF.Variable[];
}

/**
 * PyTorch's symmetric padding as tfjs's explicit NHWC form. NOTE: a plain number `pad` is not
 * the same: tfjs then sizes both spatial output dimensions from the filter's height.
 */
function explicit(pad: number): [[0, 0], [number, number], [number, number], [0, 0]] {
  return [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ];
}

class Builder {
  readonly trainable: TF.Variable[] = [];
  constructor(
    private readonly tf: Tf,
    private readonly take: TakeTensor,
  ) {}

  private tensor(shape: number[], layout: (data: Float32Array) => Float32Array, tfShape: number[]) {
    const { name, data } = this.take(shape);
    const variable = this.tf.variable(this.tf.tensor(layout(data), tfShape), true, name);
    this.trainable.push(variable);
    return variable;
  }

  private buffer(shape: number[]): TF.Tensor1D {
    return this.tf.tensor1d(this.take(shape).data);
  }

  conv(out: number, inC: number, k: number, stride: number, pad: number, bias: boolean): Layer {
    const shape = [out, inC, k, k];
    const filter = this.tensor(shape, (d) => oihwToHwio(d, shape), [k, k, inC, out]) as TF.Tensor4D;
    const b = bias ? this.tensor([out], (d) => d, [out]) : null;
    const tf = this.tf;
    return (x) => {
      const y = tf.conv2d(x, filter, stride, explicit(pad));
      return b === null ? y : tf.add(y, b);
    };
  }

  depthwise(channels: number, k: number, stride: number, pad: number): Layer {
    const shape = [channels, 1, k, k];
    const layout = (d: Float32Array) => depthwiseToHwc1(d, shape);
    const filter = this.tensor(shape, layout, [k, k, channels, 1]) as TF.Tensor4D;
    return (x) => this.tf.depthwiseConv2d(x, filter, stride, explicit(pad));
  }

  /** BatchNorm2d (eps 1e-5): running statistics in eval, the batch's (biased variance) in training. */
  batchnorm(channels: number): Layer {
    const gamma = this.tensor([channels], (d) => d, [channels]) as TF.Tensor1D;
    const beta = this.tensor([channels], (d) => d, [channels]) as TF.Tensor1D;
    const mean = this.buffer([channels]);
    const variance = this.buffer([channels]);
    const tf = this.tf;
    return (x, training) => {
      if (!training) return tf.batchNorm4d(x, mean, variance, beta, gamma, 1e-5);
      const moments = tf.moments(x, [0, 1, 2]);
      const batchMean = moments.mean as TF.Tensor1D;
      return tf.batchNorm4d(x, batchMean, moments.variance as TF.Tensor1D, beta, gamma, 1e-5);
    };
  }

  linear(out: number, inFeatures: number): (x: TF.Tensor2D) => TF.Tensor2D {
    const weight = this.tensor([out, inFeatures], (d) => d, [out, inFeatures]) as TF.Tensor2D;
    const bias = this.tensor([out], (d) => d, [out]);
    return (x) => this.tf.add(this.tf.matMul(x, weight, false, true), bias);
  }
}

/** Builds `arch` from the weights `take` hands out, in `state_dict` order. */
export function buildTfjsModel(tf: Tf, arch: Architecture, take: TakeTensor): TfjsModel {
  const builder = new Builder(tf, take);
  const apply = BUILDERS[arch](tf, builder);
  return { apply, trainable: builder.trainable };
}

type ArchBuilder = (tf: Tf, b: Builder) => TfjsModel['apply'];

const BUILDERS: Record<Architecture, ArchBuilder> = {
  conv64: (_tf, b) => b.conv(64, 64, 3, 1, 1, true),
  lenet5: (tf, b) => {
    const conv1 = b.conv(6, 1, 5, 1, 2, true);
    const conv2 = b.conv(16, 6, 5, 1, 0, true);
    const fc1 = b.linear(120, 400);
    const fc2 = b.linear(84, 120);
    const fc3 = b.linear(10, 84);
    return (x, training) => {
      let y = tf.maxPool(tf.relu(conv1(x, training)), 2, 2, 0);
      y = tf.maxPool(tf.relu(conv2(y, training)), 2, 2, 0);
      // cnnc (like PyTorch) flattens in C·H·W order.
      const flat = tf.reshape(tf.transpose(y, [0, 3, 1, 2]), [x.shape[0], 400]) as TF.Tensor2D;
      return fc3(tf.relu(fc2(tf.relu(fc1(flat)))));
    };
  },
  resnet18: (tf, b) => resnet(tf, b, 'basic', [2, 2, 2, 2]),
  resnet50: (tf, b) => resnet(tf, b, 'bottleneck', [3, 4, 6, 3]),
  mobilenet_v2: mobilenetV2,
};

/** torchvision's ResNet: basic blocks (expansion 1) or bottlenecks (expansion 4, stride on the 3×3). */
function resnet(tf: Tf, b: Builder, kind: 'basic' | 'bottleneck', depths: number[]) {
  const expansion = kind === 'basic' ? 1 : 4;
  const stem = [b.conv(64, 3, 7, 2, 3, false), b.batchnorm(64)];
  const blocks: Layer[] = [];
  let inC = 64;
  depths.forEach((count, stage) => {
    const width = 64 * 2 ** stage;
    for (let idx = 0; idx < count; idx++) {
      const stride = idx === 0 && stage > 0 ? 2 : 1;
      blocks.push(residualBlock(tf, b, kind, inC, width, stride));
      inC = width * expansion;
    }
  });
  const fc = b.linear(1000, inC);
  return (x: TF.Tensor4D, training: boolean) => {
    let y = tf.relu(stem[1](stem[0](x, training), training));
    y = tf.maxPool(y, 3, 2, 1);
    for (const block of blocks) y = block(y, training);
    return fc(tf.mean(y, [1, 2]) as TF.Tensor2D);
  };
}

function residualBlock(
  tf: Tf,
  b: Builder,
  kind: 'basic' | 'bottleneck',
  inC: number,
  width: number,
  stride: number,
): Layer {
  const out = kind === 'basic' ? width : width * 4;
  const body: Layer[] =
    kind === 'basic'
      ? [b.conv(width, inC, 3, stride, 1, false), b.batchnorm(width), (y) => tf.relu(y)]
      : [
          b.conv(width, inC, 1, 1, 0, false),
          b.batchnorm(width),
          (y) => tf.relu(y),
          b.conv(width, width, 3, stride, 1, false),
          b.batchnorm(width),
          (y) => tf.relu(y),
        ];
  const kernel = kind === 'basic' ? 3 : 1;
  body.push(b.conv(out, width, kernel, 1, (kernel - 1) / 2, false));
  body.push(b.batchnorm(out));
  const shortcut: Layer[] =
    stride !== 1 || inC !== out ? [b.conv(out, inC, 1, stride, 0, false), b.batchnorm(out)] : [];
  return (x, training) => {
    const main = body.reduce((y, layer) => layer(y, training), x);
    const skip = shortcut.reduce((y, layer) => layer(y, training), x);
    return tf.relu(tf.add(main, skip)) as TF.Tensor4D;
  };
}

/** torchvision's MobileNet-v2 (width 1.0): inverted residuals with linear bottlenecks. */
function mobilenetV2(tf: Tf, b: Builder) {
  const relu6: Layer = (y) => tf.relu6(y);
  const layers: Layer[] = [b.conv(32, 3, 3, 2, 1, false), b.batchnorm(32), relu6];
  const settings = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let inC = 32;
  for (const [expand, channels, count, firstStride] of settings) {
    for (let idx = 0; idx < count; idx++) {
      const stride = idx === 0 ? firstStride : 1;
      const hidden = inC * expand;
      const body: Layer[] = [];
      if (expand !== 1) body.push(b.conv(hidden, inC, 1, 1, 0, false), b.batchnorm(hidden), relu6);
      body.push(b.depthwise(hidden, 3, stride, 1), b.batchnorm(hidden), relu6);
      body.push(b.conv(channels, hidden, 1, 1, 0, false), b.batchnorm(channels));
      const residual = stride === 1 && inC === channels;
      layers.push((x, training) => {
        const y = body.reduce((acc, layer) => layer(acc, training), x);
        return residual ? tf.add(x, y) : y;
      });
      inC = channels;
    }
  }
  layers.push(b.conv(1280, inC, 1, 1, 0, false), b.batchnorm(1280), relu6);
  const fc = b.linear(1000, 1280);
  return (x: TF.Tensor4D, training: boolean) => {
    const y = layers.reduce((acc, layer) => layer(acc, training), x);
    return fc(tf.mean(y, [1, 2]) as TF.Tensor2D);
  };
}
