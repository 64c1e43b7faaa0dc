// `cnnc train`'s adapt step: an argument-less `normalize` learns its `mean` and `std` buffers from
// the training split before the first step (not on a resumed run: the checkpoint holds them), and
// the numbers are logged. Such a layer must read the model input, whose statistics are the data's.
import type { GraphNode, ModelGraph } from '../../compiler/ir/graph.js';
import { layerPrefixes } from '../../compiler/emit/param-names.js';
import { writeSafetensors } from '../../runtime/safetensors.js';
import { channelStatistics, type Dataset } from '../index.js';
import type { Io } from '../../compiler/host/io.js';
import type { TrainableModel, TrainableModule } from './train-module.js';

/** The `normalize` layers without `mean`/`std`, which `cnnc train` adapts. */
function adaptedLayers(model: ModelGraph): GraphNode[] {
  return model.nodes.filter((node) => node.op === 'normalize' && !node.args.mean);
}

function lineOf(span: { file: string; start: number }, texts: ReadonlyMap<string, string>): number {
  return (texts.get(span.file) ?? '').slice(0, span.start).split('\n').length;
}

/**
 * Why `model` cannot be adapted (an argument-less `normalize` that does not read the model input),
 * as one line, or undefined.
 */
export function unadaptableNormalize(
  model: ModelGraph,
  texts: ReadonlyMap<string, string>,
): string | undefined {
  for (const node of adaptedLayers(model)) {
    const input = model.nodes.find((other) => other.id === node.inputs[0]);
    if (input?.op === 'input') continue;
    return `${node.span.file}:${lineOf(node.span, texts)}: \`normalize\` without \`mean\` and \`std\` learns them from the training images, so it must read the model input; give \`mean=…, std=…\` to normalise a hidden value`;
  }
  return undefined;
}

const show = (values: readonly number[]) =>
  `[${values.map((v) => Number(v.toPrecision(6))).join(', ')}]`;

/**
 * Sets the buffers of every argument-less `normalize` of `graph` from `images` and logs them;
 * returns how many layers were adapted.
 */
export function adaptNormalize(
  graph: ModelGraph,
  module: TrainableModule,
  model: TrainableModel,
  images: Dataset,
  io: Io,
): number {
  const layers = adaptedLayers(graph);
  if (layers.length === 0) return 0;
  const prefixes = layerPrefixes(graph.nodes);
  const shapes = new Map(module.parameterSpecs.map((spec) => [spec.name, [...spec.shape]]));
  const weights = new Map(
    [...model.parameters()].map(([name, data]) => [
      name,
      { shape: shapes.get(name) ?? [data.length], data: Float32Array.from(data) },
    ]),
  );
  for (const node of layers) {
    // Channels as the model's input has them: data `[1, C, L]` feeds an input `[C, L]` (leading
    // 1s aside, the values of a sample are in the same order).
    const shape = node.shape ?? images.shape;
    const channels = shape[0];
    const perChannel = shape.slice(1).reduce((a, b) => a * b, 1);
    const stats = channelStatistics(images.images, channels, perChannel);
    const prefix = prefixes.get(node.id) ?? String(node.id);
    weights.set(`${prefix}.mean`, { shape: [channels], data: Float32Array.from(stats.mean) });
    weights.set(`${prefix}.std`, { shape: [channels], data: Float32Array.from(stats.std) });
    io.err(
      `normalize \`${prefix}\` learnt from ${images.labels.length} training images: mean ${show(stats.mean)}, std ${show(stats.std)}`,
    );
  }
  model.loadWeights(writeSafetensors(weights));
  return layers.length;
}
