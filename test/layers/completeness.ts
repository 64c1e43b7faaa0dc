// The completeness check over the layer registry: every layer has each per-layer piece, or the
// spec declares why not. Pure over its inputs, so the test can run it on a registry, a layer
// table, docs or a grammar with one piece removed and see the message it gives.
import { compileSource } from '../../compiler/compile.js';
import type { GradientRule } from '../../compiler/emit/gradient-rules.js';
import { planModule } from '../../compiler/emit/plan-module.js';
import type { KernelCall, Target } from '../../compiler/emit/target.js';
import type { LayerSpec, TargetName } from '../../compiler/layers/types.js';
import { optimizeForTraining } from '../../compiler/passes/registry.js';
import type { LayerCase } from '../emit/layer-cases.js';
import { layerWords } from '../../scripts/grammar/editor-layers.js';

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
  targets: readonly Target[];
  gradientRule: (factory: string) => GradientRule | undefined;
  /** Whether the wasm target can train a call (compiler/emit/wasm/kernels.ts `backwardKernel`). */
  wasmBackward: (call: KernelCall) => boolean;
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

/** The calls `target` plans for the layer's case, or why it cannot plan it. */
function planOn(
  target: Target,
  layerCase: LayerCase,
  name: string,
): KernelCall[] | { reason: string } {
  const compiled = compileSource('case.cnn', caseSource(layerCase));
  const model = compiled.program.models[0];
  if (!model || compiled.diagnostics.some((d) => d.severity === 'error'))
    return { reason: `its case \`${layerCase.layer}\` does not compile` };
  const reasons: string[] = [];
  const plan = planModule(optimizeForTraining(model, { conv: 'auto' }), target, (d) =>
    reasons.push(d.message),
  );
  if (reasons.length > 0) return { reason: reasons.join('; ') };
  return plan.layers.filter((layer) => layer.node.op === name).flatMap((layer) => layer.calls);
}

/**
 * The wasm target's kernels, asked through the spec: a layer that carries its own plans carries
 * its wasm forward and backward per kernel factory (`backends.wasm`); an older layer's calls need
 * a wasm backward (compiler/emit/wasm/kernels.ts) unless the spec says why not
 * (`noWasmBackward`), and a declaration that is no longer true is named too.
 */
function checkWasm(spec: LayerSpec, calls: readonly KernelCall[], world: World): string[] {
  const factories = [...new Set(calls.map((call) => call.factory))];
  const trains = !spec.noGradient && !spec.traits?.trainsDifferently;
  if (spec.backends) {
    const kernels = spec.backends.wasm;
    return factories.flatMap((factory) => [
      ...(kernels && Object.hasOwn(kernels.forward, factory)
        ? []
        : [
            `no wasm kernel for its kernel \`${factory}\` (\`backends.wasm.forward\` in its LayerSpec, or a reason in \`unsupportedOn.wasm\`)`,
          ]),
      ...(!trains || (kernels && Object.hasOwn(kernels.backward, factory))
        ? []
        : [
            `no wasm backward for its kernel \`${factory}\` (\`backends.wasm.backward\` in its LayerSpec)`,
          ]),
    ]);
  }
  if (!trains) return [];
  const missing = calls.find((call) => !world.wasmBackward(call));
  if (missing && !spec.noWasmBackward)
    return [
      `no wasm backward for its kernel \`${missing.factory}\` (compiler/emit/wasm/kernels.ts, or a reason in \`noWasmBackward\`)`,
    ];
  if (!missing && spec.noWasmBackward)
    return ['a wasm backward for every kernel although its spec declares `noWasmBackward`'];
  return [];
}

function checkTargets(spec: LayerSpec, layerCase: LayerCase, world: World): string[] {
  const problems: string[] = [];
  for (const target of world.targets) {
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
    for (const { factory } of planned)
      if (!world.gradientRule(factory))
        problems.push(`no gradient rule for its gpu.js kernel \`${factory}\``);
  }
  return problems;
}

/** Every missing piece of `spec`, as `layer \`x\`: no …` messages. */
export function missingPieces(spec: LayerSpec, world: World): string[] {
  const problems: string[] = [];
  if (!spec.infer) problems.push('no shape rule (`infer` in its LayerSpec)');
  if (!spec.params) problems.push('no parameter list (`params` in its LayerSpec)');
  const cases = world.cases.filter((c) => caseLayer(c, world) === spec.name);
  if (cases.length === 0)
    problems.push('no case in the layer table with a float64 reference (test/emit/layer-cases.ts)');
  else problems.push(...checkTargets(spec, cases[0], world));
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

/** The missing pieces of every layer of `specs`. */
export function checkRegistry(specs: readonly LayerSpec[], world: World): string[] {
  return specs.flatMap((spec) => missingPieces(spec, world));
}
