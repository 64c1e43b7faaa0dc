// The oracle for the runtime kernels: every layer written again, plainly, in float64, straight from
// the formulas (PyTorch's documentation), with explicit padded copies and nested loops. It shares no
// code with runtime/ so that a mistake in a kernel is not repeated here.

/** A float64 tensor: flat row-major data and its full shape, batch first. */
export interface RefTensor {
  data: Float64Array;
  shape: number[];
}

export function tensor(data: ArrayLike<number>, shape: number[]): RefTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`reference: ${data.length} values for shape ${shape}`);
  return { data: Float64Array.from(data), shape: [...shape] };
}

function zeros(shape: number[]): RefTensor {
  return { data: new Float64Array(shape.reduce((a, b) => a * b, 1)), shape };
}

export type RefPadMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Source index of padded position `p` (0-based in the padded array) or null for a zero. */
function sourceIndex(p: number, lo: number, size: number, mode: RefPadMode): number | null {
  const i = p - lo;
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case 'zeros':
      return null;
    case 'replicate':
      return i < 0 ? 0 : size - 1;
    case 'reflect': {
      // Mirror without repeating the edge: ... 2 1 | 0 1 2 ... | n-2 n-3 ...
      let j = i;
      while (j < 0 || j >= size) j = j < 0 ? -j : 2 * (size - 1) - j;
      return j;
    }
    case 'circular':
      return ((i % size) + size) % size;
  }
}

/**
 * Pads the trailing spatial dimensions of `[N, C, ...spatial]`. `pads` lists `[lo, hi]` per
 * spatial dimension, outermost first.
 */
export function padNd(x: RefTensor, pads: [number, number][], mode: RefPadMode): RefTensor {
  const spatial = x.shape.slice(2);
  const outSpatial = spatial.map((size, d) => size + pads[d][0] + pads[d][1]);
  const out = zeros([x.shape[0], x.shape[1], ...outSpatial]);
  const outCount = outSpatial.reduce((a, b) => a * b, 1);
  const inCount = spatial.reduce((a, b) => a * b, 1);
  for (let nc = 0; nc < x.shape[0] * x.shape[1]; nc++) {
    for (let o = 0; o < outCount; o++) {
      // Decompose o into padded coordinates, outermost first.
      let rest = o;
      const coords: number[] = new Array(outSpatial.length);
      for (let d = outSpatial.length - 1; d >= 0; d--) {
        coords[d] = rest % outSpatial[d];
        rest = Math.floor(rest / outSpatial[d]);
      }
      let src = 0;
      let isZero = false;
      for (let d = 0; d < spatial.length; d++) {
        const s = sourceIndex(coords[d], pads[d][0], spatial[d], mode);
        if (s === null) isZero = true;
        else src = src * spatial[d] + s;
      }
      out.data[nc * outCount + o] = isZero ? 0 : x.data[nc * inCount + src];
    }
  }
  return out;
}

/** Options of a reference convolution, per spatial dimension (outermost first). */
export interface RefConvOptions {
  stride: number[];
  dilation: number[];
  pads: [number, number][];
  groups: number;
  padMode: RefPadMode;
}

/**
 * N-d cross-correlation as PyTorch `ConvNd`: x `[N, C, ...s]`, w `[O, C/groups, ...k]`, b `[O]`.
 * out[n][o][p] = b[o] + Σ_{c in group, k} xpad[n][c][p·stride + k·dilation] · w[o][c][k].
 */
export function convNd(
  x: RefTensor,
  w: RefTensor,
  b: RefTensor | null,
  opts: RefConvOptions,
): RefTensor {
  const xp = padNd(x, opts.pads, opts.padMode);
  const [batch, inC] = x.shape;
  const outC = w.shape[0];
  const kernel = w.shape.slice(2);
  const padded = xp.shape.slice(2);
  const outSpatial = padded.map(
    (size, d) => Math.floor((size - (opts.dilation[d] * (kernel[d] - 1) + 1)) / opts.stride[d]) + 1,
  );
  const out = zeros([batch, outC, ...outSpatial]);
  const inPerGroup = inC / opts.groups;
  const outPerGroup = outC / opts.groups;
  const outCount = outSpatial.reduce((a, c) => a * c, 1);
  const kCount = kernel.reduce((a, c) => a * c, 1);
  const paddedCount = padded.reduce((a, c) => a * c, 1);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outC; o++) {
      const g = Math.floor(o / outPerGroup);
      for (let p = 0; p < outCount; p++) {
        const pos = unflatten(p, outSpatial);
        let acc = b ? b.data[o] : 0;
        for (let ci = 0; ci < inPerGroup; ci++) {
          const c = g * inPerGroup + ci;
          for (let k = 0; k < kCount; k++) {
            const kpos = unflatten(k, kernel);
            const src = pos.map((q, d) => q * opts.stride[d] + kpos[d] * opts.dilation[d]);
            const xi = (n * inC + c) * paddedCount + flatten(src, padded);
            const wi = (o * inPerGroup + ci) * kCount + k;
            acc += xp.data[xi] * w.data[wi];
          }
        }
        out.data[(n * outC + o) * outCount + p] = acc;
      }
    }
  }
  return out;
}

function unflatten(index: number, shape: number[]): number[] {
  const coords = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return coords;
}

function flatten(coords: number[], shape: number[]): number {
  let index = 0;
  for (let d = 0; d < shape.length; d++) index = index * shape[d] + coords[d];
  return index;
}

/** erf by its Maclaurin series (float64; |x| > 5 saturates, where 1 − erf < 2e-12). */
export function erf(x: number): number {
  if (x > 5) return 1;
  if (x < -5) return -1;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** The activations of LANGUAGE.md §5 by their PyTorch definitions. */
export function activate(v: number, kind: string, alpha?: number): number {
  switch (kind) {
    case 'identity':
      return v;
    case 'relu':
      return v > 0 ? v : 0;
    case 'relu6':
      return Math.min(Math.max(v, 0), 6);
    case 'leaky_relu':
      return v >= 0 ? v : (alpha ?? 0.01) * v;
    case 'elu':
      return v > 0 ? v : (alpha ?? 1) * (Math.exp(v) - 1);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'tanh':
      return Math.tanh(v);
    case 'gelu':
      return 0.5 * v * (1 + erf(v / Math.SQRT2));
    case 'silu':
      return v / (1 + Math.exp(-v));
    case 'hardswish':
      return v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6;
  }
  throw new Error(`reference: unknown activation ${kind}`);
}

/** Applies {@link activate} elementwise. */
export function activateAll(data: ArrayLike<number>, kind: string, alpha?: number): Float64Array {
  return Float64Array.from(data, (v) => activate(v, kind, alpha));
}

/** Options of a reference 2-D pooling; `pads` are `[[top, bottom], [left, right]]`. */
export interface RefPoolOptions {
  kind: 'max' | 'avg' | 'lp';
  kernel: [number, number];
  stride: [number, number];
  pads: [[number, number], [number, number]];
  ceil: boolean;
  countIncludePad: boolean;
  p: number;
}

/** PyTorch's pooling output size, including the ceil-mode rule (§6). */
export function poolOutputSize(
  size: number,
  k: number,
  s: number,
  lo: number,
  hi: number,
  ceil: boolean,
): number {
  const span = size + lo + hi - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + lo) out -= 1;
  return out;
}

/**
 * 2-D pooling of `[N, C, H, W]` as PyTorch's `MaxPool2d` (padding is −∞), `AvgPool2d` (divisor:
 * window clipped to the padded input when counting padding, else to the input) and `LPPool2d`
 * (`(avg_pool(x^p) · kh·kw)^(1/p)`, no padding).
 */
export function pool2d(x: RefTensor, o: RefPoolOptions): RefTensor {
  const [batch, channels, height, width] = x.shape;
  const outH = poolOutputSize(height, o.kernel[0], o.stride[0], o.pads[0][0], o.pads[0][1], o.ceil);
  const outW = poolOutputSize(width, o.kernel[1], o.stride[1], o.pads[1][0], o.pads[1][1], o.ceil);
  const out = zeros([batch, channels, outH, outW]);
  let idx = 0;
  for (let nc = 0; nc < batch * channels; nc++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const hs = oh * o.stride[0] - o.pads[0][0];
        const ws = ow * o.stride[1] - o.pads[1][0];
        const he = Math.min(hs + o.kernel[0], height + o.pads[0][1]);
        const we = Math.min(ws + o.kernel[1], width + o.pads[1][1]);
        const poolSize = (he - hs) * (we - ws);
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let h = Math.max(hs, 0); h < Math.min(he, height); h++) {
          for (let w = Math.max(ws, 0); w < Math.min(we, width); w++) {
            const v = x.data[(nc * height + h) * width + w];
            best = Math.max(best, v);
            sum += o.kind === 'lp' ? v ** o.p : v;
            count++;
          }
        }
        if (o.kind === 'max') out.data[idx++] = best;
        else if (o.kind === 'avg') out.data[idx++] = sum / (o.countIncludePad ? poolSize : count);
        else out.data[idx++] = ((sum / poolSize) * o.kernel[0] * o.kernel[1]) ** (1 / o.p);
      }
    }
  }
  return out;
}

/** PyTorch's adaptive pooling over `[N, C, H, W]`: window `[⌊o·I/O⌋, ⌈(o+1)·I/O⌉)`. */
export function adaptivePool2d(
  x: RefTensor,
  kind: 'max' | 'avg',
  outH: number,
  outW: number,
): RefTensor {
  const [batch, channels, height, width] = x.shape;
  const out = zeros([batch, channels, outH, outW]);
  let idx = 0;
  for (let nc = 0; nc < batch * channels; nc++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const h0 = Math.floor((oh * height) / outH);
        const h1 = Math.ceil(((oh + 1) * height) / outH);
        const w0 = Math.floor((ow * width) / outW);
        const w1 = Math.ceil(((ow + 1) * width) / outW);
        let best = -Infinity;
        let sum = 0;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const v = x.data[(nc * height + h) * width + w];
            best = Math.max(best, v);
            sum += v;
          }
        }
        out.data[idx++] = kind === 'max' ? best : sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return out;
}

/** `y = x·Wᵀ + b` for x `[N, in]`, W `[out, in]`. */
export function linear(x: RefTensor, w: RefTensor, b: RefTensor | null): RefTensor {
  const [batch, inF] = x.shape;
  const outF = w.shape[0];
  const out = zeros([batch, outF]);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outF; o++) {
      let acc = b ? b.data[o] : 0;
      for (let i = 0; i < inF; i++) acc += x.data[n * inF + i] * w.data[o * inF + i];
      out.data[n * outF + o] = acc;
    }
  }
  return out;
}

/** Eval-mode batch norm over `[N, C, ...]`: `(x − mean)/√(var + eps)·γ + β`. */
export function batchnorm(
  x: RefTensor,
  gamma: number[] | null,
  beta: number[] | null,
  mean: number[],
  variance: number[],
  eps: number,
): RefTensor {
  const [batch, channels] = x.shape;
  const spatial = x.data.length / (batch * channels);
  const out = zeros([...x.shape]);
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / spatial) % channels;
    const norm = (x.data[i] - mean[c]) / Math.sqrt(variance[c] + eps);
    out.data[i] = norm * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
  }
  return out;
}

/** `normalize`: (x − mean[c]) / std[c] over dimension 1 of `[N, C, ...]`, in float64. */
export function normalize(
  x: RefTensor,
  mean: readonly number[],
  std: readonly number[],
): RefTensor {
  const [batch, channels] = x.shape;
  const spatial = x.data.length / (batch * channels);
  const out = zeros([...x.shape]);
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / spatial) % channels;
    out.data[i] = (x.data[i] - mean[c]) / std[c];
  }
  return out;
}

/** Softmax over dimension 1 of `[N, C, ...]`. */
export function softmax(x: RefTensor): RefTensor {
  const [batch, channels] = x.shape;
  const spatial = x.data.length / (batch * channels);
  const out = zeros([...x.shape]);
  for (let n = 0; n < batch; n++) {
    for (let s = 0; s < spatial; s++) {
      const at = (c: number) => (n * channels + c) * spatial + s;
      let total = 0;
      for (let c = 0; c < channels; c++) total += Math.exp(x.data[at(c)]);
      for (let c = 0; c < channels; c++) out.data[at(c)] = Math.exp(x.data[at(c)]) / total;
    }
  }
  return out;
}

/**
 * PyTorch `LocalResponseNorm`: pad channels by ⌊size/2⌋ before and ⌊(size−1)/2⌋ after, average the
 * squares over `size` channels, then `x / (k + α·avg)^β`.
 */
export function lrn(x: RefTensor, size: number, alpha: number, beta: number, k: number): RefTensor {
  const [batch, channels] = x.shape;
  const spatial = x.data.length / (batch * channels);
  const out = zeros([...x.shape]);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      for (let s = 0; s < spatial; s++) {
        let squares = 0;
        for (let j = c - Math.floor(size / 2); j <= c + Math.floor((size - 1) / 2); j++) {
          if (j >= 0 && j < channels) squares += x.data[(n * channels + j) * spatial + s] ** 2;
        }
        const i = (n * channels + c) * spatial + s;
        out.data[i] = x.data[i] / (k + (alpha * squares) / size) ** beta;
      }
    }
  }
  return out;
}

/** Concatenation along dimension 1 of `[N, C_i, ...]` tensors. */
export function concat(parts: RefTensor[]): RefTensor {
  const batch = parts[0].shape[0];
  const rest = parts[0].shape.slice(2);
  const channels = parts.reduce((acc, p) => acc + p.shape[1], 0);
  const out = zeros([batch, channels, ...rest]);
  let idx = 0;
  for (let n = 0; n < batch; n++) {
    for (const part of parts) {
      const block = part.data.length / batch;
      for (let i = 0; i < block; i++) out.data[idx++] = part.data[n * block + i];
    }
  }
  return out;
}

/**
 * PyTorch `ConvTranspose2d` as a scatter: every input element adds `x · w[ic][oc][kh][kw]` at
 * `(ih·s − padTop + kh·d, iw·s − padLeft + kw·d)`; w is `[in, out/groups, kh, kw]`.
 */
export function convTranspose2d(
  x: RefTensor,
  w: RefTensor,
  b: RefTensor | null,
  o: {
    stride: [number, number];
    dilation: [number, number];
    pads: [[number, number], [number, number]];
    outputPad: [number, number];
    groups: number;
  },
): RefTensor {
  const [batch, inC, inH, inW] = x.shape;
  const [, outPerGroup, kH, kW] = w.shape;
  const outC = outPerGroup * o.groups;
  const inPerGroup = inC / o.groups;
  const outH =
    (inH - 1) * o.stride[0] -
    o.pads[0][0] -
    o.pads[0][1] +
    o.dilation[0] * (kH - 1) +
    o.outputPad[0] +
    1;
  const outW =
    (inW - 1) * o.stride[1] -
    o.pads[1][0] -
    o.pads[1][1] +
    o.dilation[1] * (kW - 1) +
    o.outputPad[1] +
    1;
  const out = zeros([batch, outC, outH, outW]);
  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outC; oc++) {
      for (let p = 0; p < outH * outW; p++)
        out.data[(n * outC + oc) * outH * outW + p] = b ? b.data[oc] : 0;
    }
    for (let ic = 0; ic < inC; ic++) {
      const g = Math.floor(ic / inPerGroup);
      for (let ih = 0; ih < inH; ih++) {
        for (let iw = 0; iw < inW; iw++) {
          const v = x.data[((n * inC + ic) * inH + ih) * inW + iw];
          for (let ocg = 0; ocg < outPerGroup; ocg++) {
            const oc = g * outPerGroup + ocg;
            for (let kh = 0; kh < kH; kh++) {
              for (let kw = 0; kw < kW; kw++) {
                const oh = ih * o.stride[0] - o.pads[0][0] + kh * o.dilation[0];
                const ow = iw * o.stride[1] - o.pads[1][0] + kw * o.dilation[1];
                if (oh < 0 || oh >= outH || ow < 0 || ow >= outW) continue;
                const wv = w.data[((ic * outPerGroup + ocg) * kH + kh) * kW + kw];
                out.data[((n * outC + oc) * outH + oh) * outW + ow] += v * wv;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Samples `first … first + count − 1` of a flat `[batch, …perSample]` tensor as a float64 tensor of
 * `count` samples, so a reference can be computed for the samples a test checks (those whose flat
 * indices pass 2^24) without converting a tensor of tens of millions of values.
 */
export function samplesOf(
  data: Float32Array,
  perSampleShape: number[],
  first: number,
  count = 1,
): RefTensor {
  const size = perSampleShape.reduce((a, b) => a * b, 1);
  return tensor(data.subarray(first * size, (first + count) * size), [count, ...perSampleShape]);
}

/**
 * Backward of a zero-padded 2-D convolution (`convNd` with 2 spatial axes) for x `[N, C, H, W]`,
 * w `[O, C/groups, kh, kw]` and the output gradient gy `[N, O, oh, ow]`: the input gradient
 * `[N, C, H, W]` and the weight gradient (summed over the N samples given), by scattering every
 * output cell's gradient back along the taps that produced it.
 */
export function conv2dBackward(
  x: RefTensor,
  w: RefTensor,
  gy: RefTensor,
  opts: { stride: [number, number]; pads: [number, number]; groups: number },
): { input: RefTensor; weight: RefTensor } {
  const [batch, inC, height, width] = x.shape;
  const [outC, perGroup, kh, kw] = w.shape;
  const [, , outH, outW] = gy.shape;
  const input = zeros([...x.shape]);
  const weight = zeros([...w.shape]);
  const outPerGroup = outC / opts.groups;
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < outC; o++) {
      const g = Math.floor(o / outPerGroup);
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const grad = gy.data[((n * outC + o) * outH + oh) * outW + ow];
          for (let ci = 0; ci < perGroup; ci++) {
            const c = g * perGroup + ci;
            for (let a = 0; a < kh; a++) {
              const ih = oh * opts.stride[0] - opts.pads[0] + a;
              if (ih < 0 || ih >= height) continue;
              for (let b = 0; b < kw; b++) {
                const iw = ow * opts.stride[1] - opts.pads[1] + b;
                if (iw < 0 || iw >= width) continue;
                const xi = ((n * inC + c) * height + ih) * width + iw;
                const wi = ((o * perGroup + ci) * kh + a) * kw + b;
                input.data[xi] += grad * w.data[wi];
                weight.data[wi] += grad * x.data[xi];
              }
            }
          }
        }
      }
    }
  }
  return { input, weight };
}

/** Options of {@link upsample2d}: integer factors per dimension, as `nn.Upsample(scale_factor)`. */
export interface RefUpsampleOptions {
  scale: [number, number];
  mode: 'nearest' | 'bilinear';
  alignCorners: boolean;
}

/**
 * PyTorch `nn.Upsample` on `[N, C, H, W]` (torch/nn/functional.py `interpolate`, ATen
 * `UpSample.h`): nearest reads `x[⌊o·(1/s)⌋]` (the index clamped to the input); bilinear reads
 * source coordinate `(o + ½)/s − ½`, negative values clamped to 0 (`align_corners=False`), or
 * `o·(in − 1)/(out − 1)` (`align_corners=True`), and mixes the two neighbours `⌊src⌋` and
 * `min(⌊src⌋ + 1, in − 1)` with weights `1 − λ` and `λ`, `λ = src − ⌊src⌋`, per dimension.
 */
export function upsample2d(x: RefTensor, o: RefUpsampleOptions): RefTensor {
  const [batch, channels, inH, inW] = x.shape;
  const [outH, outW] = [inH * o.scale[0], inW * o.scale[1]];
  const out = zeros([batch, channels, outH, outW]);
  // Per output index along one dimension: the input indices read and their weights.
  const taps = (outIdx: number, inSize: number, outSize: number, scale: number) => {
    if (o.mode === 'nearest') return [[Math.min(Math.floor(outIdx / scale), inSize - 1), 1]];
    let src: number;
    if (o.alignCorners) src = outSize > 1 ? (outIdx * (inSize - 1)) / (outSize - 1) : 0;
    else src = Math.max((outIdx + 0.5) / scale - 0.5, 0);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, inSize - 1);
    return [
      [lo, 1 - (src - lo)],
      [hi, src - lo],
    ];
  };
  for (let plane = 0; plane < batch * channels; plane++)
    for (let oh = 0; oh < outH; oh++)
      for (let ow = 0; ow < outW; ow++) {
        let acc = 0;
        for (const [ih, wh] of taps(oh, inH, outH, o.scale[0]))
          for (const [iw, ww] of taps(ow, inW, outW, o.scale[1]))
            acc += wh * ww * x.data[(plane * inH + ih) * inW + iw];
        out.data[(plane * outH + oh) * outW + ow] = acc;
      }
  return out;
}

/**
 * PyTorch `nn.GroupNorm(groups, C, eps)` on `[N, C, ...]`: each sample's channels in `groups`
 * consecutive groups, `(x − E[x]) / √(Var[x] + eps) · γ + β` with the mean and the biased variance
 * over the group's channels and positions, then γ, β per channel (null: 1 and 0).
 */
export function groupnorm(
  x: RefTensor,
  gamma: number[] | null,
  beta: number[] | null,
  groups: number,
  eps: number,
): RefTensor {
  const [batch, channels] = x.shape;
  const spatial = x.data.length / (batch * channels);
  const size = (channels / groups) * spatial;
  const out = zeros([...x.shape]);
  for (let k = 0; k < batch * groups; k++) {
    const values = x.data.subarray(k * size, (k + 1) * size);
    const mean = values.reduce((a, v) => a + v, 0) / size;
    const variance = values.reduce((a, v) => a + (v - mean) * (v - mean), 0) / size;
    for (let i = 0; i < size; i++) {
      const c = Math.floor((k * size + i) / spatial) % channels;
      const norm = (values[i] - mean) / Math.sqrt(variance + eps);
      out.data[k * size + i] = norm * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
    }
  }
  return out;
}
