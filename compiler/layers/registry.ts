// The one registry of layers, by name and alias. Adding a layer: see CONTRIBUTING.md.
import * as activation from './activation.js';
import * as convs from './conv.js';
import * as dense from './dense-layers.js';
import * as norm from './norm.js';
import * as pool from './pool.js';
import * as structure from './structure.js';
import type { LayerSpec } from './types.js';

const all: LayerSpec[] = [
  ...Object.values(convs),
  ...Object.values(pool),
  ...Object.values(dense),
  ...Object.values(norm),
  ...Object.values(activation),
  ...Object.values(structure),
];

const byName = new Map<string, LayerSpec>();
for (const spec of all) {
  byName.set(spec.name, spec);
  for (const alias of spec.aliases ?? []) byName.set(alias, spec);
}

/** Every layer, each once, in a stable order. */
export const layers: readonly LayerSpec[] = all;

/** Looks a layer up by name or alias. */
export function lookupLayer(name: string): LayerSpec | undefined {
  return byName.get(name);
}

/** Every name a layer can be called by, for did-you-mean suggestions and completion. */
export function layerNames(): string[] {
  return [...byName.keys()];
}
