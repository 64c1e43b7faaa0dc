// Feature maps of a trained model (Zeiler & Fergus): what each convolution stage computes for a
// given image. The model is rebuilt unoptimised with one extra output per stage, so the values are
// exactly those the layers produce, and loaded with the trained weights; each stage becomes a strip
// of tiles, one per channel, normalised per tile. Used by `cnnc train`'s report and `cnnc inspect`.
import { activationLayers, hasTrait } from '../../compiler/layers/registry.js';
import type { GraphNode, ModelGraph } from '../../compiler/ir/graph.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import type { Dataset } from '../index.js';
import { imageGridSvg, type ImageTile } from '../core/image-grid.js';
import { importBuiltModule, runtimeModuleUrl, type TrainableModule } from './train-module.js';

/** Layers that follow a convolution within its stage. */
const FOLLOWERS = new Set(['batchnorm', ...activationLayers.map((spec) => spec.name)]);
/** At most this many stages and channels per stage are drawn. */
const MAX_STAGES = 8;
const MAX_CHANNELS = 16;

/** One stage: the node whose output is drawn and a label (`conv 3:3 → [6, 28, 28]`). */
export interface Stage {
  node: number;
  label: string;
}

function consumers(model: ModelGraph, id: number): GraphNode[] {
  return model.nodes.filter((node) => node.inputs.includes(id));
}

/**
 * The 2-D convolution stages of `model`: each convolution, extended over the batchnorm and
 * activation that follow it when they are its only consumer. Evenly thinned to `MAX_STAGES`.
 */
export function featureStages(model: ModelGraph, text?: (file: string) => string | undefined) {
  const stages: Stage[] = [];
  for (const node of model.nodes) {
    // Convolution-like layers with a 2-D output are the stages whose outputs are feature maps.
    if (!hasTrait(node.op, 'convLike') || node.shape?.length !== 3) continue;
    let last = node;
    for (;;) {
      const next = consumers(model, last.id);
      if (next.length !== 1 || !FOLLOWERS.has(next[0].op) || next[0].inputs.length !== 1) break;
      last = next[0];
    }
    const line = lineOf(node, text);
    stages.push({
      node: last.id,
      label: `${node.op}${line} → [${last.shape?.join(', ') ?? '?'}]`,
    });
  }
  if (stages.length <= MAX_STAGES) return stages;
  return Array.from(
    { length: MAX_STAGES },
    (_, i) => stages[Math.round((i * (stages.length - 1)) / (MAX_STAGES - 1))],
  );
}

function lineOf(node: GraphNode, text?: (file: string) => string | undefined): string {
  const source = text?.(node.span.file);
  if (source === undefined) return '';
  return ` (line ${source.slice(0, node.span.start).split('\n').length})`;
}

/** A model that runs `forward` and returns every stage's output by name. */
export interface StageRunner {
  stages: Stage[];
  run(image: Float32Array): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Output names that collide with none of the model's. */
function stageNames(model: ModelGraph, count: number): string[] {
  const taken = new Set(model.outputs.map((output) => output.name));
  let prefix = 'stage';
  while (Array.from({ length: count }, (_, i) => `${prefix}${i}`).some((n) => taken.has(n)))
    prefix = `_${prefix}`;
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** `forward` of a model with several outputs: an object by output name. */
type MultiForward = (input: Float32Array, batch: number) => Promise<Record<string, Float32Array>>;

/** Builds `model` with its stages as extra outputs and loads `weights` (a safetensors file). */
export async function stageRunner(
  model: ModelGraph,
  texts: Map<string, string>,
  source: string,
  weights: Uint8Array,
): Promise<StageRunner | string> {
  const stages = featureStages(model, (file) => texts.get(file));
  if (stages.length === 0) return `model \`${model.name}\` has no 2-D convolution to inspect`;
  const names = stageNames(model, stages.length);
  const variant: ModelGraph = {
    ...model,
    outputs: [
      ...model.outputs,
      ...stages.map((stage, i) => ({ name: names[i], node: stage.node, span: model.span })),
    ],
  };
  const built = await buildModel(variant, {
    level: 0,
    conv: 'auto',
    emit: 'js',
    source,
    texts,
    runtimeModule: runtimeModuleUrl(),
    training: false,
  });
  if (!built.code) return built.diagnostics.map((d) => d.message).join('; ');
  const module = await importBuiltModule<TrainableModule>(built.code);
  const instance = await module.create({ weights });
  return {
    stages,
    async run(image) {
      const forward = instance.forward.bind(instance) as unknown as MultiForward;
      const outputs = await forward(image, 1);
      return names.map((name) => outputs[name]);
    },
    dispose: () => instance.dispose(),
  };
}

/** The tiles of one image and its stages: the image, then one row per stage. */
export function featureTiles(
  image: Float32Array,
  shape: readonly [number, number, number],
  stages: readonly Stage[],
  values: readonly Float32Array[],
  modelShapes: readonly (readonly number[])[],
): (ImageTile | null)[] {
  const [channels, height, width] = shape;
  const tiles: (ImageTile | null)[] = [
    { pixels: image, channels: channels === 3 ? 3 : 1, height, width, caption: 'input' },
  ];
  const pad = () => {
    while (tiles.length % MAX_CHANNELS !== 0) tiles.push(null);
  };
  pad();
  stages.forEach((stage, s) => {
    const [c, h, w] = modelShapes[s];
    for (let k = 0; k < Math.min(c, MAX_CHANNELS); k++) {
      tiles.push({
        pixels: values[s].subarray(k * h * w, (k + 1) * h * w),
        channels: 1,
        height: h,
        width: w,
        // The stage's label runs under the first tiles of its row.
        ...(k === 0 ? { caption: stage.label } : {}),
      });
    }
    pad();
  });
  return tiles;
}

/** The feature-map tiles of `image`: the image, then a row per stage. */
export async function featureMapTiles(
  runner: StageRunner,
  model: ModelGraph,
  image: Float32Array,
  shape: readonly [number, number, number],
): Promise<(ImageTile | null)[]> {
  const values = await runner.run(image);
  const shapes = runner.stages.map((stage) => model.nodes[stage.node].shape ?? [1, 1, 1]);
  return featureTiles(image, shape, runner.stages, values, shapes);
}

/** The feature-map picture as SVG: a row of channel tiles per stage. */
export function featureMapSvg(tiles: readonly (ImageTile | null)[], title: string): string {
  return imageGridSvg(tiles, { title, columns: FEATURE_COLUMNS, scale: 2 });
}

/** Tiles per row of a feature-map picture. */
export const FEATURE_COLUMNS = MAX_CHANNELS;

/** The first held-out image of each class (in class order), with its index in `test`. */
export function oneImagePerClass(test: Dataset): { index: number; label: number }[] {
  const found = new Map<number, number>();
  test.labels.forEach((label, index) => {
    if (!found.has(label)) found.set(label, index);
  });
  return [...found.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([label, index]) => ({ index, label }));
}
