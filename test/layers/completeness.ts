// The completeness check over the layer registry: every layer has each per-layer piece, or the
// spec declares why not. The targets and the exporters are run with the spec under test in place
// of the registry's, so a spec with a piece removed shows the message it gives. Pure over its
// inputs: the test runs it on a registry, a layer table, docs or a grammar with one piece removed.
import { compileSource } from '../../compiler/compile.js';
import type { ModelGraph } from '../../compiler/ir/graph.js';
import { planModule } from '../../compiler/emit/plan-module.js';
import type { KernelCall, Target } from '../../compiler/emit/target.js';
import { exportOnnx, exportWeights } from '../../compiler/export/onnx/index.js';
import { layerModule } from '../../compiler/export/pytorch/layers.js';
import type { LayerSpec, TargetName } from '../../compiler/layers/types.js';
import { optimizeForTraining } from '../../compiler/passes/registry.js';
import type { LayerCase } from '../emit/layer-cases.js';
import { layerWords } from '../../scripts/grammar/editor-layers.js';

/** Finds a layer spec by op name (the registry, with the spec under test swapped in). */
export type Lookup = (op: string) => LayerSpec | undefined;

/** Everything the check reads besides the registry. */
export interface World {
  /** The layer table (test/emit/layer-cases.ts): each case carries its float64 reference. */
  cases: readonly LayerCase[];
  /** docs/language.md. */
  docs: string;
  /** docs/export.md, whose "Layer mapping" table names every layer's ONNX translation. */
  exportDocs: string;
  /** The layer words each editor grammar lists, by file. */
  grammars: ReadonlyMap<string, readonly string[]>;
  /** The kernel targets, each asking `lookup` for the specs it plans. */
  targets: (lookup: Lookup) => readonly Target[];
  /** The registry's lookup. */
  lookup: Lookup;
  /** Whether the wasm target can train a call (compiler/emit/wasm/kernels.ts `backwardKernel`). */
  wasmBackward: (call: KernelCall) => boolean;
  /** Whether a kernel factory is an older layer's, in compiler/emit/wasm/kernels.ts's tables. */
  tableKernel: (factory: string) => boolean;
  /** Resolves a call's name (`fc`) to its canonical layer name. */
  canonical: (name: string) => string | undefined;
}

/** The layer a case's line calls: `conv(3, 3)` → `conv`. */
export function caseLayer(layerCase: LayerCase, world: World): string | undefined {
  const callee = /^([a-z_][a-z0-9_]*)/.exec(layerCase.layer.trim());
  return callee ? world.canonical(callee[1]) : undefined;
}

/** Whether the "Layers" section of the docs has a table row for `name` (`| \`name\``, `| \`name(`). */
function hasDocsRow(docs: string, name: string): boolean {
  const start = docs.indexOf('\n## 10. Layers');
  const end = docs.indexOf('\n## 11.', start);
  const section = start < 0 ? '' : docs.slice(start, end < 0 ? undefined : end);
  const pattern = new RegExp(`^\\| \`${name}[\`(]`, 'm');
  return pattern.test(section);
}

/** Whether the "Layer mapping" table of docs/export.md names `name` in its first column. */
function hasExportRow(docs: string, name: string): boolean {
  const start = docs.indexOf('\n## Layer mapping');
  const end = docs.indexOf('\n## ', start + 1);
  const section = start < 0 ? '' : docs.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n')
    .some((line) => line.startsWith('| ') && line.split('|')[1].includes(`\`${name}\``));
}

function caseSource(layerCase: LayerCase): string {
  return `model M {\n  input x: [${layerCase.input.join(', ')}]\n  ${layerCase.layer}\n  output y\n}\n`;
}

/** The one-layer model of a case, or why it does not compile. */
function caseModel(layerCase: LayerCase): ModelGraph | { reason: string } {
  const compiled = compileSource('case.cnn', caseSource(layerCase));
  const model = compiled.program.models[0];
  if (!model || compiled.diagnostics.some((d) => d.severity === 'error'))
    return { reason: `its case \`${layerCase.layer}\` does not compile` };
  return model;
}

/** The calls `target` plans for the layer's case, or why it cannot plan it. */
function planOn(
  target: Target,
  layerCase: LayerCase,
  name: string,
): KernelCall[] | { reason: string } {
  const model = caseModel(layerCase);
  if ('reason' in model) return model;
  const reasons: string[] = [];
  const plan = planModule(optimizeForTraining(model, { conv: 'auto' }), target, (d) =>
    reasons.push(d.message),
  );
  if (reasons.length > 0) return { reason: reasons.join('; ') };
  return plan.layers.filter((layer) => layer.node.op === name).flatMap((layer) => layer.calls);
}

/**
 * The wasm target's kernels, asked through the spec: a kernel factory that is not one of the older
 * layers' (compiler/emit/wasm/kernels.ts) has its forward and backward in the spec's
 * `backends.wasm`; an older layer's calls need a wasm backward unless the spec says why not
 * (`noWasmBackward`), and a declaration that is no longer true is named too.
 */
function checkWasm(spec: LayerSpec, calls: readonly KernelCall[], world: World): string[] {
  const trains = !spec.noGradient && !spec.traits?.trainsDifferently;
  const kernels = spec.backends.wasm;
  const problems: string[] = [];
  const own = [...new Set(calls.map((call) => call.factory))].filter(
    (factory) => !world.tableKernel(factory),
  );
  for (const factory of own) {
    if (!kernels || !Object.hasOwn(kernels.forward, factory))
      problems.push(
        `no wasm kernel for its kernel \`${factory}\` (\`backends.wasm.forward\` in its LayerSpec, or a reason in \`unsupportedOn.wasm\`)`,
      );
    if (trains && (!kernels || !Object.hasOwn(kernels.backward, factory)))
      problems.push(
        `no wasm backward for its kernel \`${factory}\` (\`backends.wasm.backward\` in its LayerSpec)`,
      );
  }
  if (!trains || problems.length > 0) return problems;
  const older = calls.filter((call) => world.tableKernel(call.factory));
  const missing = older.find((call) => !world.wasmBackward(call));
  if (missing && !spec.noWasmBackward)
    return [
      `no wasm backward for its kernel \`${missing.factory}\` (compiler/emit/wasm/kernels.ts, or a reason in \`noWasmBackward\`)`,
    ];
  if (!missing && spec.noWasmBackward)
    return ['a wasm backward for every kernel although its spec declares `noWasmBackward`'];
  return [];
}

function checkTargets(
  spec: LayerSpec,
  layerCase: LayerCase,
  world: World,
  lookup: Lookup,
): string[] {
  const problems: string[] = [];
  for (const target of world.targets(lookup)) {
    const declared = spec.unsupportedOn?.[target.name as TargetName];
    const planned = planOn(target, layerCase, spec.name);
    if (!Array.isArray(planned)) {
      if (!declared) problems.push(`no plan on the ${target.name} target (${planned.reason})`);
      continue;
    }
    if (declared)
      problems.push(
        `a plan on the ${target.name} target although its spec declares it unsupported`,
      );
    if (target.name === 'wasm') problems.push(...checkWasm(spec, planned, world));
    if (target.name !== 'gpu.js' || spec.noGradient) continue;
    const rules = spec.backends?.gradients ?? {};
    for (const { factory } of planned)
      if (!Object.hasOwn(rules, factory))
        problems.push(
          `no gradient rule for its gpu.js kernel \`${factory}\` (\`backends.gradients\` in its spec)`,
        );
  }
  return problems;
}

/** The ONNX and PyTorch exports of the layer's case, through the spec. */
function checkExports(spec: LayerSpec, layerCase: LayerCase, lookup: Lookup): string[] {
  const problems: string[] = [];
  if (typeof spec.backends?.onnx !== 'function')
    problems.push('no ONNX translation (`backends.onnx` in its spec)');
  if (typeof spec.backends?.pytorch !== 'function')
    problems.push('no PyTorch module (`backends.pytorch` in its spec)');
  const model = caseModel(layerCase);
  if (problems.length > 0 || 'reason' in model) return problems;
  const weights = exportWeights(model, undefined, { seed: 0 });
  if (!weights.ok) return [`no ONNX weights for its case (${weights.message})`];
  const onnx = exportOnnx(model, weights.weights, { trace: () => '', producerVersion: '', lookup });
  for (const d of onnx.diagnostics)
    problems.push(`its case does not export to ONNX (${d.message})`);
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  for (const node of model.nodes.filter((each) => each.op === spec.name)) {
    const module = layerModule(node, byId.get(node.inputs[0]), lookup);
    if (!module.ok)
      problems.push(`its case does not export to PyTorch (${module.diagnostic.message})`);
  }
  return problems;
}

/** Every missing piece of `spec`, as `layer \`x\`: no …` messages. */
export function missingPieces(spec: LayerSpec, world: World): string[] {
  const problems: string[] = [];
  if (!spec.infer) problems.push('no shape rule (`infer` in its LayerSpec)');
  if (!spec.params) problems.push('no parameter list (`params` in its LayerSpec)');
  const cases = world.cases.filter((c) => caseLayer(c, world) === spec.name);
  const lookup: Lookup = (op) => (op === spec.name ? spec : world.lookup(op));
  if (cases.length === 0)
    problems.push('no case in the layer table with a float64 reference (test/emit/layer-cases.ts)');
  else
    problems.push(
      ...checkTargets(spec, cases[0], world, lookup),
      ...checkExports(spec, cases[0], lookup),
    );
  if (!hasDocsRow(world.docs, spec.name))
    problems.push('no row in the layer tables of docs/language.md (section 10)');
  if (!hasExportRow(world.exportDocs, spec.name))
    problems.push('no row in the "Layer mapping" table of docs/export.md');
  const highlighted = layerWords([spec]).includes(spec.name);
  for (const [file, words] of world.grammars)
    if (highlighted && !words.includes(spec.name))
      problems.push(`no entry in the editor grammar ${file} (run \`npm run grammar:layers\`)`);
  return problems.map((problem) => `layer \`${spec.name}\`: ${problem}`);
}

/**
 * Layers that plan the same kernel factory must declare the same rule for it (a rule belongs to
 * its factory: compiler/emit/gradient-rules.ts takes the first it finds).
 */
export function disagreeingRules(specs: readonly LayerSpec[]): string[] {
  const first = new Map<string, { layer: string; rule: string }>();
  const problems: string[] = [];
  for (const spec of specs)
    for (const [factory, rule] of Object.entries(spec.backends?.gradients ?? {})) {
      const text = JSON.stringify(rule);
      const seen = first.get(factory);
      if (!seen) first.set(factory, { layer: spec.name, rule: text });
      else if (seen.rule !== text)
        problems.push(
          `layer \`${spec.name}\`: its gradient rule for \`${factory}\` differs from layer \`${seen.layer}\`'s`,
        );
    }
  return problems;
}

/** The missing pieces of every layer of `specs`, and rules that disagree. */
export function checkRegistry(specs: readonly LayerSpec[], world: World): string[] {
  return [...specs.flatMap((spec) => missingPieces(spec, world)), ...disagreeingRules(specs)];
}
