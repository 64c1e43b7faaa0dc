// The one registry of layers, by name and alias. Adding a layer: see CONTRIBUTING.md.
import * as activation from './activation.js';
import * as convs from './conv.js';
import * as dense from './dense-layers.js';
import * as groupnorm from './groupnorm.js';
import * as norm from './norm.js';
import * as pool from './pool.js';
import * as structure from './structure.js';
import * as upsample from './upsample.js';
import type { LayerSpec, LayerTraits } from './types.js';

const all = [
  ...Object.values(convs),
  ...Object.values(pool),
  ...Object.values(dense),
  ...Object.values(norm),
  ...Object.values(activation),
  ...Object.values(structure),
  ...Object.values(groupnorm),
  ...Object.values(upsample),
];

/** The canonical name of every layer: a closed union, so a misspelt op is a type error. */
export type LayerName = (typeof all)[number]['name'];

/** What a graph node computes: a layer, or a model input. */
export type OpName = LayerName | 'input';

const byName = new Map<string, LayerSpec<LayerName>>();
for (const spec of all) {
  byName.set(spec.name, spec);
  for (const alias of (spec as LayerSpec).aliases ?? []) byName.set(alias, spec);
}

/** Every layer, each once, in a stable order. */
export const layers: readonly LayerSpec<LayerName>[] = all;

/**
 * The activations (./activation.ts: elementwise ones, softmax and identity). Code outside this
 * folder asks the registry rather than importing a family file, so that the registry is always
 * the first of the layer files to load (see ARCHITECTURE.md, "Design choice").
 */
export const activationLayers: readonly LayerSpec<LayerName>[] = Object.values(activation);

/** Looks a layer up by name or alias. */
export function lookupLayer(name: string): LayerSpec<LayerName> | undefined {
  return byName.get(name);
}

/** Every name a layer can be called by, for did-you-mean suggestions and completion. */
export function layerNames(): string[] {
  return [...byName.keys()];
}

/** Whether the layer `op` has `trait` (false for `input` and unknown names). */
export function hasTrait(op: string, trait: keyof LayerTraits): boolean {
  return Boolean(byName.get(op)?.traits?.[trait]);
}
