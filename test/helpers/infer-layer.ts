// Runs one layer's shape rule on a hand-built node, as the expansion would: arguments written as
// plain JavaScript values become `Value`s, schema defaults are filled in, and each input shape
// becomes a producer node. Shared by the shape-rule tests.
import type { Diagnostic, Span } from '../../compiler/diagnostics/diagnostic.js';
import type { GraphNode, Shape } from '../../compiler/ir/graph.js';
import type { Value } from '../../compiler/ir/value.js';
import { lookupLayer } from '../../compiler/layers/registry.js';
import type { DefaultSpec, Inferred } from '../../compiler/layers/types.js';

/** An argument as a test writes it: `3`, `1.5`, `true`, `'same'`, `[3, 5]` (tuple) or `{ sides }`. */
export type ArgInput = number | boolean | string | number[] | { sides: number[] };

const file = 'test.cnn';

/** A span for fixtures; tests compare positions only where they set them. */
export function span(start = 0, end = start): Span {
  return { file, start, end };
}

function floatValue(value: number): Value {
  return { kind: 'float', value, span: span() };
}

/** Converts a test argument to the `Value` the expansion would produce. */
export function toValue(input: ArgInput, isFloat = false): Value {
  if (typeof input === 'number') {
    return Number.isInteger(input) && !isFloat
      ? { kind: 'int', value: input, span: span() }
      : floatValue(input);
  }
  if (typeof input === 'boolean') return { kind: 'bool', value: input, span: span() };
  if (typeof input === 'string') return { kind: 'symbol', name: input, span: span() };
  if (Array.isArray(input))
    return { kind: 'tuple', items: input.map((item) => toValue(item)), span: span() };
  return { kind: 'list', items: input.sides.map((item) => toValue(item)), span: span() };
}

function defaultValue(
  spec: DefaultSpec,
  args: Record<string, Value>,
  isFloat: boolean,
): Value | undefined {
  if (typeof spec === 'object' && 'sameAs' in spec) return args[spec.sameAs];
  if (typeof spec === 'object') return { kind: 'symbol', name: spec.symbol, span: span() };
  return toValue(spec, isFloat);
}

/** A node of layer `op` with `args` resolved against its schema (defaults filled in). */
export function layerNode(
  op: string,
  args: Record<string, ArgInput> = {},
  inputs: number[] = [],
): GraphNode {
  const spec = lookupLayer(op);
  if (!spec) throw new Error(`unknown layer ${op}`);
  const resolved: Record<string, Value> = {};
  for (const arg of spec.args) {
    const isFloat = arg.type.kind === 'float';
    const given = args[arg.name];
    const value =
      given !== undefined
        ? toValue(given, isFloat)
        : arg.default !== undefined
          ? defaultValue(arg.default, resolved, isFloat)
          : undefined;
    if (value) resolved[arg.name] = value;
  }
  return { id: 100, op: spec.name, inputs, args: resolved, span: span(50, 60), path: [] };
}

/** A producer node with a known shape, as the expansion passes to rules. */
export function producer(shape: Shape, id = 0): GraphNode {
  return {
    id,
    op: 'input',
    inputs: [],
    args: {},
    span: span(10 * id, 10 * id + 5),
    path: [],
    shape,
  };
}

export interface InferOutcome {
  result: Inferred | undefined;
  diagnostics: Diagnostic[];
  /** The codes of `diagnostics`, for short assertions. */
  codes: string[];
}

/** Runs the shape rule of `op` with `args` on inputs of the given shapes. */
export function inferLayer(
  op: string,
  args: Record<string, ArgInput>,
  ...shapes: Shape[]
): InferOutcome {
  const inputs = shapes.map((shape, idx) => producer(shape, idx));
  const node = layerNode(
    op,
    args,
    inputs.map((input) => input.id),
  );
  const diagnostics: Diagnostic[] = [];
  const rule = lookupLayer(op)?.infer;
  if (!rule) throw new Error(`layer ${op} has no shape rule`);
  const result = rule({ node, inputs, report: (item) => diagnostics.push(item) });
  return { result, diagnostics, codes: diagnostics.map((item) => item.code) };
}
