// Weight and activation layout conversions between cnnc/PyTorch (NCHW activations, OIHW conv
// weights) and TensorFlow.js (NHWC activations, HWIO conv weights, HW·C·multiplier depthwise
// filters). Pure functions on flat Float32Arrays, so the benchmark's tfjs models read the very
// bytes cnnc saved.

/** `[n, c, h, w]` → `[n, h, w, c]`. */
export function nchwToNhwc(data: Float32Array, shape: readonly number[]): Float32Array {
  const [batch, channels, height, width] = fourDims(shape, data.length);
  const out = new Float32Array(data.length);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const from = ((n * channels + c) * height + y) * width + x;
          out[((n * height + y) * width + x) * channels + c] = data[from];
        }
      }
    }
  }
  return out;
}

/** `[n, h, w, c]` → `[n, c, h, w]`; `shape` is the NCHW shape of the result. */
export function nhwcToNchw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [batch, channels, height, width] = fourDims(shape, data.length);
  const out = new Float32Array(data.length);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const to = ((n * channels + c) * height + y) * width + x;
          out[to] = data[((n * height + y) * width + x) * channels + c];
        }
      }
    }
  }
  return out;
}

/** A conv weight `[out, in, kh, kw]` (PyTorch) → `[kh, kw, in, out]` (tfjs `conv2d` filter). */
export function oihwToHwio(data: Float32Array, shape: readonly number[]): Float32Array {
  const [outChannels, inChannels, filterHeight, filterWidth] = fourDims(shape, data.length);
  const out = new Float32Array(data.length);
  for (let o = 0; o < outChannels; o++) {
    for (let i = 0; i < inChannels; i++) {
      for (let y = 0; y < filterHeight; y++) {
        for (let x = 0; x < filterWidth; x++) {
          const from = ((o * inChannels + i) * filterHeight + y) * filterWidth + x;
          out[((y * filterWidth + x) * inChannels + i) * outChannels + o] = data[from];
        }
      }
    }
  }
  return out;
}

/**
 * A depthwise weight `[channels, 1, kh, kw]` (PyTorch, groups = channels) → `[kh, kw, channels, 1]`
 * (tfjs `depthwiseConv2d` filter, channel multiplier 1).
 */
export function depthwiseToHwc1(data: Float32Array, shape: readonly number[]): Float32Array {
  const [channels, multiplier, filterHeight, filterWidth] = fourDims(shape, data.length);
  if (multiplier !== 1) throw new Error(`depthwise weight [${shape}]: expected [C, 1, kh, kw]`);
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < filterHeight; y++) {
      for (let x = 0; x < filterWidth; x++) {
        out[(y * filterWidth + x) * channels + c] = data[(c * filterHeight + y) * filterWidth + x];
      }
    }
  }
  return out;
}

function fourDims(shape: readonly number[], length: number): [number, number, number, number] {
  if (shape.length !== 4) throw new Error(`expected a 4-D shape, found [${shape.join(', ')}]`);
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  if (size !== length)
    throw new Error(`shape [${shape.join(', ')}] holds ${size} values, not ${length}`);
  return [shape[0], shape[1], shape[2], shape[3]];
}
