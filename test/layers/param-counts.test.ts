// Two independent countings of every layer's parameters agree: the shape rule's cost (`infer`, as
// the hovers show it) and the layer's tensor list (`params`, PyTorch's names and layouts, which
// `cnnc summary`, the generated module and the exports use). For every layer of the registry,
// random argument sets are drawn from its own schema over random inputs; the ones the checker
// accepts are compared, and each layer must get enough accepted sets for the check to mean
// something.
import test from 'ava';
import fc from 'fast-check';
import { compileSource } from '../../compiler/compile.js';
import { layerParams, paramCounts } from '../../compiler/layers/params.js';
import { layers } from '../../compiler/layers/registry.js';
import type { ArgSpec, ArgType, LayerSpec } from '../../compiler/layers/types.js';

/** Argument sets per layer: 120 compile in about 0.2 s. */
const RUNS = Number(process.env.CNNC_PROPERTY_RUNS ?? 120);
/** The fixed seed of `npm test` (`CNNC_PROPERTY_SEED=random` draws a fresh one). */
const SEED = process.env.CNNC_PROPERTY_SEED ?? '20261201';
/** Fewer accepted sets than this means the generator no longer fits the layer. */
const MIN_ACCEPTED = 12;

/** `[channels, …spatial]` with `rank` spatial dimensions. */
const inputShape = (rank: number) =>
  fc
    .tuple(
      fc.constantFrom(1, 2, 3, 4, 6),
      fc.array(fc.integer({ min: 2, max: 8 }), { minLength: rank, maxLength: rank }),
    )
    .map(([channels, spatial]) => [channels, ...spatial]);

const decimal = (min: number, max: number) =>
  fc.integer({ min: 1, max: 99 }).map((step) => (min + ((max - min) * step) / 100).toFixed(3));

/** The text of one value of `type` for an input of `rank` spatial dimensions. */
function valueOf(type: ArgType, rank: number, channels: number): fc.Arbitrary<string> {
  const small = (min: number) => fc.integer({ min, max: min + 2 });
  const perDim = (min: number) =>
    fc.oneof(
      small(min).map(String),
      fc.array(small(min), { minLength: rank, maxLength: rank }).map((v) => `(${v.join(', ')})`),
    );
  switch (type.kind) {
    case 'int':
      return fc.integer({ min: type.min ?? 0, max: Math.min(type.max ?? 4, 4) }).map(String);
    case 'float':
      return decimal(type.min ?? -1, type.max ?? 3);
    case 'bool':
      return fc.boolean().map(String);
    case 'spatial':
      return perDim(type.min);
    case 'pad': {
      const sides = fc
        .array(fc.integer({ min: 0, max: 2 }), { minLength: 2 * rank, maxLength: 2 * rank })
        .map((v) => `[${v.join(', ')}]`);
      const modes = type.modes ? [fc.constantFrom('same', 'valid', 'full')] : [];
      return fc.oneof(perDim(0), sides, ...modes);
    }
    case 'enum':
      return fc.constantFrom(...type.values);
    case 'numbers': {
      const number = decimal(type.min ?? -1, 3);
      const list = fc
        .array(number, { minLength: channels, maxLength: channels })
        .map((v) => `[${v.join(', ')}]`);
      return fc.oneof(number, list);
    }
    case 'oneOf':
      return fc.oneof(...type.types.map((each) => valueOf(each, rank, channels)));
  }
}

/** Whether the schema makes the argument optional (a default, `optional`, or an alternative). */
function mayOmit(arg: ArgSpec): boolean {
  return arg.default !== undefined || Boolean(arg.optional) || arg.requiredUnless !== undefined;
}

/** A call of `spec` with random named arguments, over a random input of one of `ranks`. */
function layerCall(
  spec: LayerSpec,
  ranks: readonly number[],
): fc.Arbitrary<{ shape: number[]; call: string }> {
  return fc
    .constantFrom(...ranks)
    .chain(inputShape)
    .chain((shape) => {
      const rank = shape.length - 1;
      const args = spec.args.map((arg) => {
        const value = valueOf(arg.type, rank, shape[0]).map((text) => `${arg.name}=${text}`);
        return mayOmit(arg) ? fc.option(value, { nil: undefined }) : value;
      });
      return fc.tuple(...args).map((given) => {
        const named = given.filter((text): text is string => text !== undefined);
        const operands = spec.inputs === 'many' ? ['x', 'x'] : [];
        return { shape, call: `${spec.name}(${[...operands, ...named].join(', ')})` };
      });
    });
}

function source(shape: readonly number[], call: string): string {
  return `model M {\n  input x: [${shape.join(', ')}]\n  ${call}\n  output y\n}\n`;
}

function compiles(shape: readonly number[], call: string) {
  const compiled = compileSource('counts.cnn', source(shape, call));
  const failed = compiled.diagnostics.some((d) => d.severity === 'error');
  return failed ? undefined : compiled.program.models[0];
}

/** The spatial ranks (0 to 3) on which some of 50 random calls of `spec` check. */
function acceptedRanks(spec: LayerSpec): number[] {
  return [0, 1, 2, 3].filter((rank) =>
    fc
      .sample(layerCall(spec, [rank]), { numRuns: 50, seed: 1 })
      .some(({ shape, call }) => compiles(shape, call)),
  );
}

for (const spec of layers) {
  test(`\`${spec.name}\`: the tensor list counts what the shape rule counts`, (t) => {
    const ranks = acceptedRanks(spec);
    if (ranks.length === 0) return t.fail('no random call of the layer checks on any input rank');
    let accepted = 0;
    fc.assert(
      fc.property(layerCall(spec, ranks), ({ shape, call }) => {
        const model = compiles(shape, call);
        if (!model) return true;
        const node = model.nodes.find((each) => each.op === spec.name);
        if (!node?.cost) return false;
        accepted++;
        const input = model.nodes.find((each) => each.id === node.inputs[0]);
        const counted = paramCounts(layerParams(node, input, '0'));
        const inferred = { params: node.cost.params, buffers: node.cost.buffers };
        if (counted.params === inferred.params && counted.buffers === inferred.buffers) return true;
        throw new Error(
          `${call} on [${shape.join(', ')}]: params list ${JSON.stringify(counted)}, ` +
            `shape rule ${JSON.stringify(inferred)}`,
        );
      }),
      { numRuns: RUNS, ...(SEED === 'random' ? {} : { seed: Number(SEED) }) },
    );
    t.log(`${accepted} of ${RUNS} argument sets accepted, on ranks ${ranks.join(', ')}`);
    t.true(accepted >= MIN_ACCEPTED, `only ${accepted} of ${RUNS} argument sets were accepted`);
  });
}
