// Data augmentation of training batches (the `augment` key of a `train` section): random flips,
// padded crops, translations, rotations and Gaussian noise, applied on the fly to each training
// batch and never to held-out data. Every transform is a pure function of an image and explicit
// parameters (so tests can check it against hand-computed pixels); `augmentBatch` draws those
// parameters from a resumable generator, the same number of draws per image whatever is drawn, so a
// run resumed from a checkpoint's generator state continues exactly where it stopped.
import type { Rng } from '../../runtime/rng.js';
import type { AugmentSpec } from '../../runtime/training.js';

/** One augmentation as the `train` section states it (the generated module's `trainSpec.augment`). */
export type Augmentation = AugmentSpec;

/** Shape of one image: channels, height, width (NCHW without the batch). */
export type ImageShape = readonly [number, number, number];

/** Mirrors each row of a `[C, H, W]` image left to right (torchvision's `hflip`). */
export function flipImage(image: Float32Array, shape: ImageShape): Float32Array {
  const [channels, height, width] = shape;
  const out = new Float32Array(image.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const row = (c * height + y) * width;
      for (let x = 0; x < width; x++) out[row + x] = image[row + width - 1 - x];
    }
  }
  return out;
}

/**
 * Moves the content of a `[C, H, W]` image by `dy` rows down and `dx` columns right, filling what
 * enters with zeros: `out[y][x] = in[y − dy][x − dx]`. A random crop of size H×W from the image
 * zero-padded by `pad` at offset `(oy, ox)` is the shift `(pad − oy, pad − ox)`.
 */
export function shiftImage(
  image: Float32Array,
  shape: ImageShape,
  dy: number,
  dx: number,
): Float32Array {
  const [channels, height, width] = shape;
  const out = new Float32Array(image.length);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const from = y - dy;
      if (from < 0 || from >= height) continue;
      for (let x = 0; x < width; x++) {
        const fromX = x - dx;
        if (fromX < 0 || fromX >= width) continue;
        out[(c * height + y) * width + x] = image[(c * height + from) * width + fromX];
      }
    }
  }
  return out;
}

/**
 * Rotates a `[C, H, W]` image by `degrees` counter-clockwise (as seen with row 0 at the top, like
 * torchvision's `rotate`) about its centre `((W − 1)/2, (H − 1)/2)`, sampling bilinearly and
 * filling with zeros outside the image. Each output pixel reads the input at the inversely rotated
 * position; a neighbour outside the image counts as 0.
 */
export function rotateImage(image: Float32Array, shape: ImageShape, degrees: number): Float32Array {
  const [channels, height, width] = shape;
  const out = new Float32Array(image.length);
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const at = (c: number, y: number, x: number): number =>
    y < 0 || y >= height || x < 0 || x >= width ? 0 : image[(c * height + y) * width + x];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse rotation of the output position (x right, y down; counter-clockwise on screen).
      const u = cos * (x - cx) - sin * (y - cy) + cx;
      const v = sin * (x - cx) + cos * (y - cy) + cy;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      for (let c = 0; c < channels; c++) {
        const value =
          (1 - fy) * ((1 - fx) * at(c, y0, x0) + fx * at(c, y0, x0 + 1)) +
          fy * ((1 - fx) * at(c, y0 + 1, x0) + fx * at(c, y0 + 1, x0 + 1));
        out[(c * height + y) * width + x] = value;
      }
    }
  }
  return out;
}

/** Adds `noise[i]` to each pixel (the caller draws the noise). */
function addNoise(image: Float32Array, rng: Rng, std: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) out[i] = image[i] + rng.normal(0, std);
  return out;
}

/** A uniform integer in `[low, high]` from one draw. */
function integerBetween(rng: Rng, low: number, high: number): number {
  return Math.min(high, low + Math.floor(rng.next() * (high - low + 1)));
}

/**
 * Applies `augmentations` in order to one image with parameters drawn from `rng`. Draws per image:
 * `flip` 1, `crop` 2, `translate` 2, `rotate` 1, `noise` one normal per pixel — always the same
 * count, so the generator's position depends only on how many images were augmented.
 */
export function augmentImage(
  image: Float32Array,
  shape: ImageShape,
  augmentations: readonly Augmentation[],
  rng: Rng,
): Float32Array {
  let current = image;
  for (const aug of augmentations) {
    switch (aug.kind) {
      case 'flip':
        if (rng.next() < 0.5) current = flipImage(current, shape);
        break;
      case 'crop': {
        const oy = integerBetween(rng, 0, 2 * aug.pad);
        const ox = integerBetween(rng, 0, 2 * aug.pad);
        current = shiftImage(current, shape, aug.pad - oy, aug.pad - ox);
        break;
      }
      case 'translate': {
        const dy = integerBetween(rng, -aug.max, aug.max);
        const dx = integerBetween(rng, -aug.max, aug.max);
        current = shiftImage(current, shape, dy, dx);
        break;
      }
      case 'rotate':
        current = rotateImage(current, shape, rng.uniform(-aug.degrees, aug.degrees));
        break;
      case 'noise':
        current = addNoise(current, rng, aug.std);
        break;
    }
  }
  return current;
}

/**
 * Augments every image of a flat `[size, C, H, W]` batch in place, in batch order. With no
 * augmentations the batch is untouched and nothing is drawn.
 */
export function augmentBatch(
  images: Float32Array,
  size: number,
  shape: ImageShape,
  augmentations: readonly Augmentation[],
  rng: Rng,
): void {
  if (augmentations.length === 0) return;
  const perImage = shape[0] * shape[1] * shape[2];
  for (let n = 0; n < size; n++) {
    const view = images.subarray(n * perImage, (n + 1) * perImage);
    view.set(augmentImage(view, shape, augmentations, rng));
  }
}
