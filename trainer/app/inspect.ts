// `cnnc inspect FILE --weights W --image N`: the feature maps of every convolution stage of a
// trained model for one held-out image, as the training report draws them (SVG, or PNG when the
// output name ends in .png). Exit codes: 0 drawn, 1 errors in the model, weights or data, 2 usage.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { describeError, loadTrainingData } from '../index.js';
import { svgToPng } from '../core/png.js';
import { featureMapSvg, featureMapTiles, stageRunner } from './feature-maps.js';
import type { Io } from '../../compiler/host/io.js';
import { loadTrainableModel } from './train-module.js';

/** Options of `cnnc inspect`, as commander parses them. */
export interface InspectCliOptions {
  model?: string;
  weights?: string;
  image: string;
  data?: string;
  out?: string;
}

/** Largest weights file read (the same limit as checkpoints). */
const MAX_WEIGHTS_BYTES = 2 ** 31;

function readWeights(path: string): Uint8Array | string {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return `${path}: not a regular file`;
    if (stat.size > MAX_WEIGHTS_BYTES) return `${path}: ${stat.size} bytes is over the 2 GiB limit`;
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    return `${path}: ${describeError(error)}`;
  }
}

export async function runInspect(
  file: string,
  options: InspectCliOptions,
  io: Io,
): Promise<number> {
  const index = Number(options.image);
  if (!Number.isSafeInteger(index) || index < 0)
    return usage(io, `--image takes a non-negative integer, found \`${options.image}\``);
  if (!options.weights) return usage(io, '--weights is required (a .safetensors file)');
  const out = options.out ?? `inspect-${index}.svg`;
  if (!/\.(svg|png)$/.test(out)) return usage(io, `-o must end in .svg or .png, found \`${out}\``);
  const weights = readWeights(options.weights);
  if (typeof weights === 'string') return fail(io, weights);
  const loaded = await loadTrainableModel(file, options.model, io);
  if (!loaded.ok) return loaded.code;
  const data = loadTrainingData(options.data);
  if (!data.ok) return fail(io, data.message);
  const test = data.value.test;
  if (index >= test.labels.length)
    return usage(io, `--image ${index} is past the ${test.labels.length} held-out images`);
  if (test.shape.join('×') !== loaded.module.inputShape.join('×'))
    return fail(
      io,
      `the data holds ${test.shape.join('×')} images but the model's input is ${loaded.module.inputShape.join('×')}`,
    );
  let runner;
  try {
    runner = await stageRunner(loaded.model, loaded.texts, loaded.source, weights);
  } catch (error) {
    return fail(io, `${options.weights}: ${describeError(error)}`);
  }
  if (typeof runner === 'string') return fail(io, runner);
  try {
    const perImage = test.shape.reduce((acc, d) => acc * d, 1);
    const image = test.images.slice(index * perImage, (index + 1) * perImage);
    const tiles = await featureMapTiles(runner, loaded.model, image, test.shape);
    const title = `Feature maps of held-out image ${index} (label ${test.labels[index]})`;
    const svg = featureMapSvg(tiles, title);
    writeFileSync(out, out.endsWith('.png') ? svgToPng(svg) : svg);
    io.err(`${runner.stages.length} stages of ${loaded.model.name} for image ${index} → ${out}`);
    return 0;
  } catch (error) {
    return fail(io, describeError(error));
  } finally {
    await runner.dispose();
  }
}

function usage(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 2;
}

function fail(io: Io, message: string): number {
  io.err(`error: ${message}`);
  return 1;
}
