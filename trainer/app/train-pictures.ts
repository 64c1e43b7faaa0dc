// What the report shows of the network itself: the first convolution's filters (from the trained
// parameters) and the most confidently wrong held-out images (from the inference forward), as
// image-grid tiles. Kept out of the training loop: it runs once, after the last epoch.
import type { Dataset } from '../index.js';
import type { ImageTile } from '../core/image-grid.js';
import type { TrainableModel, TrainableModule } from './train-module.js';

/** The first 2-D convolution weight `[out, in, kh, kw]`, one tile per output channel. */
export function firstLayerFilters(
  model: TrainableModel,
  module: TrainableModule,
): { layer: string; tiles: ImageTile[] } | undefined {
  const spec = module.parameterSpecs.find((p) => p.shape.length === 4);
  const data = spec && model.parameters().get(spec.name);
  if (!spec || !data) return undefined;
  const [out, inputs, height, width] = spec.shape;
  const plane = height * width;
  const tiles: ImageTile[] = [];
  for (let o = 0; o < Math.min(out, 64); o++) {
    const filter = data.subarray(o * inputs * plane, (o + 1) * inputs * plane);
    if (inputs === 1 || inputs === 3) {
      tiles.push({ pixels: filter, channels: inputs, height, width, caption: String(o) });
      continue;
    }
    // Any other input count: the mean over input channels.
    const mean = new Float32Array(plane);
    for (let i = 0; i < inputs; i++)
      for (let p = 0; p < plane; p++) mean[p] += filter[i * plane + p] / inputs;
    tiles.push({ pixels: mean, channels: 1, height, width, caption: String(o) });
  }
  const layer = `${spec.name.replace(/\.weight$/, '')} [${spec.shape.join('×')}]`;
  return { layer, tiles };
}

/** Softmax probabilities of one row of logits. */
function softmax(logits: Float32Array): Float64Array {
  const max = Math.max(...logits);
  const exps = Float64Array.from(logits, (value) => Math.exp(value - max));
  const sum = exps.reduce((acc, value) => acc + value, 0);
  return exps.map((value) => value / sum);
}

/**
 * The `count` held-out images predicted wrongly with the highest probability, captioned
 * `true → predicted (probability)`. Runs the inference forward in chunks of `batch` images.
 */
export async function confidentMistakes(
  model: TrainableModel,
  test: Dataset,
  batch: number,
  count = 16,
): Promise<ImageTile[]> {
  model.eval();
  const [channels, height, width] = test.shape;
  const perImage = channels * height * width;
  const classes = test.classes;
  const wrong: { index: number; predicted: number; confidence: number }[] = [];
  const total = test.labels.length;
  for (let start = 0; start < total; start += batch) {
    const size = Math.min(batch, total - start);
    const images = test.images.subarray(start * perImage, (start + size) * perImage);
    const logits = await model.forward(images, size);
    if (logits.length !== size * classes) return [];
    for (let n = 0; n < size; n++) {
      const probabilities = softmax(logits.subarray(n * classes, (n + 1) * classes));
      let predicted = 0;
      probabilities.forEach((p, c) => (p > probabilities[predicted] ? (predicted = c) : undefined));
      if (predicted !== test.labels[start + n])
        wrong.push({ index: start + n, predicted, confidence: probabilities[predicted] });
    }
  }
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return wrong.slice(0, count).map(({ index, predicted, confidence }) => ({
    pixels: test.images.subarray(index * perImage, (index + 1) * perImage),
    channels: channels === 3 ? 3 : 1,
    height,
    width,
    caption: `${test.labels[index]} → ${predicted} (${Math.round(100 * confidence)}%)`,
    alert: true,
  }));
}
