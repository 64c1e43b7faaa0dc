// A node's resolved arguments, for readers outside compiler/layers/ (passes, targets, exporters,
// hovers): the value as bound, else the default of the layer's schema. No reader repeats a
// default; the schema in this folder is the only place one is written.
import type { GraphNode } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { lookupLayer } from './registry.js';

/** The schema default of `name` for `node.op` as a value, or undefined. */
function schemaDefault(node: GraphNode, name: string): Value | undefined {
  const arg = lookupLayer(node.op)?.args.find((spec) => spec.name === name);
  const value = arg?.default;
  const span = node.span;
  if (typeof value === 'number')
    return arg?.type.kind === 'int' ? { kind: 'int', value, span } : { kind: 'float', value, span };
  if (typeof value === 'boolean') return { kind: 'bool', value, span };
  if (value && 'symbol' in value) return { kind: 'symbol', name: value.symbol, span };
  return undefined;
}

function resolved(node: GraphNode, name: string): Value | undefined {
  return node.args[name] ?? schemaDefault(node, name);
}

function missing(node: GraphNode, name: string, kind: string): Error {
  return new Error(`internal: \`${node.op}\` has no ${kind} argument \`${name}\``);
}

/** A numeric argument of `node`, defaults filled in from the schema. */
export function argNumber(node: GraphNode, name: string): number {
  const value = resolved(node, name);
  if (value && (value.kind === 'int' || value.kind === 'float')) return value.value;
  throw missing(node, name, 'numeric');
}

/** A boolean argument of `node`, defaults filled in from the schema. */
export function argBool(node: GraphNode, name: string): boolean {
  const value = resolved(node, name);
  if (value?.kind === 'bool') return value.value;
  throw missing(node, name, 'boolean');
}

/** A symbol argument of `node` (`zeros`, `global`, …), defaults filled in; undefined if not a symbol. */
export function argSymbol(node: GraphNode, name: string): string | undefined {
  const value = resolved(node, name);
  return value?.kind === 'symbol' ? value.name : undefined;
}

/** An enum argument of `node` that has a default (`pad_mode`, `mode`), defaults filled in. */
export function argChoice(node: GraphNode, name: string): string {
  const value = argSymbol(node, name);
  if (value !== undefined) return value;
  throw missing(node, name, 'enum');
}

/** The schema's numeric default of argument `name` of `node.op` (for per-dimension arguments). */
export function defaultNumber(node: GraphNode, name: string): number {
  const value = schemaDefault(node, name);
  if (value && (value.kind === 'int' || value.kind === 'float')) return value.value;
  throw missing(node, name, 'numeric default for');
}
