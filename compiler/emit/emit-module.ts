// Writes a planned module as TypeScript with ts-morph (user text only ever enters through
// `stringLiteral`, `commentText` and checked identifiers), then formats it with prettier.
import {
  Project,
  VariableDeclarationKind,
  type CodeBlockWriter,
  type InterfaceDeclaration,
  type SourceFile,
} from 'ts-morph';
import {
  trainingImports,
  writeEvaluate,
  writeTrainForward,
  writeTrainingKernels,
  writeTrainStep,
} from './emit-training.js';
import { commentText, stringLiteral } from './names.js';
import type { TrainingPlan } from './plan-backward.js';
import type { TrainInit } from './train-spec.js';
import type { ModulePlan, PlannedLayer } from './plan-module.js';
import { perSample } from './plan-module.js';
import type { Literal, LiteralRecord, Target } from './target.js';

/** Where a layer is in the source, for emitted comments and messages. */
export interface LayerTrace {
  /** The `// file:line:col op` comment of a layer; `named`: `-> <its value's name>` follows. */
  comment(layer: PlannedLayer, named?: boolean): string;
  /** Its 1-based line and column, when the source text is known. */
  position(layer: PlannedLayer): { line: number; column: number } | null;
  /** What it computes: `conv + batchnorm + relu`. */
  what(layer: PlannedLayer): string;
}

/** The training half of a module: its plan (no folds, no fusion), backward and `train` section. */
export interface TrainingEmit {
  plan: ModulePlan;
  backward: TrainingPlan;
  spec: LiteralRecord;
}

/** Where emitted code finds `file:line:col` for a span offset. */
export type Trace = (file: string, offset: number) => string;

/** The 1-based line and column of a span offset, or null when the file's text is unknown. */
export type Locate = (file: string, offset: number) => { line: number; column: number } | null;

/** Options of {@link emitModule}. */
export interface EmitOptions {
  /** The `.cnn` file name shown in the header. */
  source: string;
  trace: Trace;
  locate?: Locate;
  /** Overrides the runtime module specifier (tests point it at the sources). */
  runtimeModule?: string;
  /** Adds `trainStep`, `evaluate` and the training modes. */
  training?: TrainingEmit;
  /** The `train` section's `init`: the default scheme of `create` (inference modules too). */
  init?: TrainInit;
  /** Bakes the default backend mode into `create` (see `BuildOptions.platform`). */
  platform?: 'node' | 'browser';
}

/** Writes a literal; record keys are descriptor field names chosen by the target. */
export function writeLiteral(writer: CodeBlockWriter, value: Literal): void {
  if (value === null || typeof value === 'number' || typeof value === 'boolean')
    writer.write(String(value));
  else if (typeof value === 'string') writer.write(stringLiteral(value));
  else if (Array.isArray(value)) {
    writer.write('[');
    value.forEach((item: Literal, idx: number) => {
      if (idx > 0) writer.write(', ');
      writeLiteral(writer, item);
    });
    writer.write(']');
  } else {
    writer.write('{ ');
    Object.entries(value).forEach(([key, item], idx) => {
      if (idx > 0) writer.write(', ');
      writer.write(/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : stringLiteral(key)).write(': ');
      writeLiteral(writer, item as Literal);
    });
    writer.write(' }');
  }
}

function factories(plan: ModulePlan): string[] {
  const names = new Set<string>();
  for (const layer of plan.layers) for (const call of layer.calls) names.add(call.factory);
  return [...names].sort();
}

/** What `layer` computes: its op, then what was folded and fused into it. */
export function layerWhat(layer: PlannedLayer): string {
  const { node } = layer;
  const fused = [...(node.folded ? ['batchnorm'] : []), ...(node.epilogue ?? []).map((s) => s.op)];
  return [node.op, ...fused].join(' + ');
}

/**
 * The trace comment of `layer`: its source position and what it computes, then with `named` the
 * source's name of its value where it has one (a validated identifier): `// m.cnn:4:3 conv -> skip`.
 */
export function traceComment(layer: PlannedLayer, options: EmitOptions, named = false): string {
  const { node } = layer;
  const value = named && layer.identifier ? ` -> ${layer.identifier}` : '';
  return `// ${commentText(options.trace(node.span.file, node.span.start))} ${layerWhat(layer)}${value}`;
}

export function writeShapes(file: SourceFile, plan: ModulePlan): void {
  const record = (values: ModulePlan['inputs']) =>
    Object.fromEntries(values.map((value) => [value.identifier, value.shape])) as Literal;
  const constant = (name: string, doc: string, value: Literal) =>
    file.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [doc],
      declarations: [
        { name, initializer: (w) => void (writeLiteral(w, value), w.write(' as const')) },
      ],
    });
  constant(
    'inputShape',
    `Per-sample shape of input \`${plan.inputs[0].identifier}\` (NCHW without the batch).`,
    plan.inputs[0].shape,
  );
  constant(
    'outputShape',
    `Per-sample shape of output \`${plan.outputs[0].identifier}\`.`,
    plan.outputs[0].shape,
  );
  constant('inputShapes', 'Per-sample shapes of every input, by name.', record(plan.inputs));
  constant('outputShapes', 'Per-sample shapes of every output, by name.', record(plan.outputs));
}

export function writeTables(file: SourceFile, plan: ModulePlan): void {
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Parameters and buffers in PyTorch `state_dict` naming, in initialisation order.'],
    declarations: [
      {
        name: 'parameterSpecs',
        type: 'readonly ParamSpec[]',
        initializer: (w) => writeLiteral(w, plan.params as unknown as Literal),
      },
    ],
  });
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: ['BatchNorms folded into the layer before them (computed when weights are set).'],
    declarations: [
      {
        name: 'folds',
        type: 'readonly FoldSpec[]',
        initializer: (w) => writeLiteral(w, plan.folds as unknown as Literal),
      },
    ],
  });
}

/** `forward`'s parameters: one per model input, then `batch`. */
function forwardParameters(plan: ModulePlan): { name: string; type: string }[] {
  return [
    ...plan.inputs.map((input) => ({ name: input.identifier, type: 'Float32Array' })),
    { name: 'batch', type: 'number' },
  ];
}

export function forwardSignature(plan: ModulePlan): { params: string; result: string } {
  const params = forwardParameters(plan)
    .map(({ name, type }) => `${name}: ${type}`)
    .join(', ');
  const result =
    plan.outputs.length === 1
      ? 'Float32Array'
      : `{ ${plan.outputs.map((output) => `${output.identifier}: Float32Array`).join('; ')} }`;
  return { params, result };
}

function writeInterface(file: SourceFile, plan: ModulePlan, training: boolean): void {
  const { result } = forwardSignature(plan);
  const ins = plan.inputs
    .map((i) => `\`${i.identifier}\` is [batch, ${i.shape.join(', ')}]`)
    .join(', ');
  const outs = plan.outputs
    .map((o) => `\`${o.identifier}\` is [batch, ${o.shape.join(', ')}]`)
    .join(', ');
  file.addInterface({
    name: plan.typeName,
    isExported: true,
    extends: training ? ['ModelBase', 'TrainingBase'] : ['ModelBase'],
    docs: [`The model \`${plan.typeName}\`.`],
    methods: [
      {
        name: 'forward',
        docs: [
          `Runs \`batch\` samples, flat NCHW: ${ins}; ${outs}.` +
            (training ? ' In training mode it runs the training forward.' : ''),
        ],
        parameters: [],
        returnType: `Promise<${result}>`,
      },
    ],
  });
  const model = file.getInterfaceOrThrow(plan.typeName);
  const method = model.getMethodOrThrow('forward');
  const inputs = forwardParameters(plan);
  for (const parameter of inputs) method.addParameter(parameter);
  if (training) addTrainingMethods(model, inputs);
}

/** Adds `trainStep` and `evaluate` to the model interface; `inputs` are forward's parameters. */
function addTrainingMethods(
  model: InterfaceDeclaration,
  inputs: { name: string; type: string }[],
): void {
  const labelled = [
    ...inputs.slice(0, -1),
    { name: 'labels', type: 'ArrayLike<number>' },
    inputs[inputs.length - 1],
  ];
  model.addMethod({
    name: 'trainStep',
    docs: [
      'One training step on `batch` samples with their labels (class indices, or targets shaped like the output for `mse`/`bce`): training forward, loss, backward, optimizer update. Resolves to the loss before the update.',
    ],
    parameters: [...labelled, { name: 'options', type: 'StepOptions', hasQuestionToken: true }],
    returnType: 'Promise<StepResult>',
  });
  model.addMethod({
    name: 'evaluate',
    docs: [
      "Loss, accuracy, precision, recall and AUC of the inference forward over `batch` samples (run in chunks of the `train` section's batch).",
    ],
    parameters: labelled,
    returnType: 'Promise<Evaluation>',
  });
}

/** Emits the module of `plan` as formatted TypeScript. */
export function emitModuleText(plan: ModulePlan, target: Target, options: EmitOptions): string {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('module.ts', '');
  const training = options.training;
  const runtimeTypes = ['CreateOptions', 'FoldSpec', 'ModelBase', 'ParamSpec'];
  if (training)
    runtimeTypes.push('Evaluation', 'StepOptions', 'StepResult', 'TrainingBase', 'TrainSpec');
  const values = new Set(factories(plan));
  for (const name of training ? trainingImports(training.backward) : []) values.add(name);
  file.addImportDeclaration({
    moduleSpecifier: options.runtimeModule ?? target.runtimeModule,
    namedImports: [
      'createModelRuntime',
      ...[...values].sort(),
      ...runtimeTypes.sort().map((name) => ({ name, isTypeOnly: true })),
    ],
  });
  writeShapes(file, plan);
  writeTables(file, plan);
  if (training) writeTrainSpec(file, training);
  writeInterface(file, plan, training !== undefined);
  file.addFunction({
    name: 'create',
    isExported: true,
    isAsync: true,
    docs: ['Creates the model: a backend, seeded or loaded weights, and one kernel per layer.'],
    parameters: [{ name: 'options', type: 'CreateOptions', initializer: '{}' }],
    returnType: `Promise<${plan.typeName}>`,
    statements: (writer) => writeCreateBody(writer, plan, options),
  });
  const header = `// Generated by cnnc from ${commentText(options.source)}. DO NOT EDIT.\n`;
  return header + file.getFullText();
}

function writeTrainSpec(file: SourceFile, training: TrainingEmit): void {
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ["The model's `train` section: loss, optimizer, schedule, batch, epochs, seed, metrics."],
    declarations: [
      { name: 'trainSpec', type: 'TrainSpec', initializer: (w) => writeLiteral(w, training.spec) },
    ],
  });
}

function writeCreateBody(writer: CodeBlockWriter, plan: ModulePlan, options: EmitOptions): void {
  const training = options.training;
  const defaults = [
    ...(options.platform
      ? [`mode: ${stringLiteral(options.platform === 'browser' ? 'gpu' : 'webasm')}`]
      : []),
    ...(options.init ? [`init: ${initLiteral(options.init)}`] : []),
  ];
  const init = defaults.length > 0 ? `{ ${defaults.join(', ')}, ...options }` : 'options';
  writer.writeLine(
    `const runtime = createModelRuntime(${init}, parameterSpecs, folds, ${stringLiteral(plan.model)});`,
  );
  writer.writeLine('const backend = runtime.backend;');
  if (plan.buffers.length > 0) {
    writer.writeLine(
      '// The memory plan: one buffer per slot of intermediate values (values per sample).',
    );
    writer.writeLine(`const buffers = runtime.buffers([${plan.buffers.join(', ')}]);`);
  }
  for (const layer of plan.layers) {
    if (layer.calls.length === 0) continue;
    writer.writeLine(traceComment(layer, options, true));
    layer.calls.forEach((call, idx) => {
      writer.write(`const layer${layer.node.id}_${idx} = ${call.factory}(`);
      if (call.takesBackend !== false) writer.write('backend, ');
      writeLiteral(writer, call.descriptor);
      writer.write(');').newLine();
    });
  }
  if (!training) {
    const { params, result } = forwardSignature(plan);
    writer
      .write(`async function forward(${params}): Promise<${result}>`)
      .block(() => writeForward(writer, plan, options));
    writer.writeLine('return runtime.finish({ forward });');
    return;
  }
  writeTrainingBody(writer, plan, training, options);
}

function writeTrainingBody(
  writer: CodeBlockWriter,
  plan: ModulePlan,
  training: TrainingEmit,
  options: EmitOptions,
): void {
  const trace: LayerTrace = {
    comment: (layer, named) => traceComment(layer, options, named),
    position: (layer) => options.locate?.(layer.node.span.file, layer.node.span.start) ?? null,
    what: layerWhat,
  };
  writer.writeLine('const trainer = runtime.trainer(trainSpec);');
  writeTrainingKernels(writer, training.backward, trace);
  const { params, result } = forwardSignature(plan);
  writer
    .write(`async function infer(${params}): Promise<${result}>`)
    .block(() => writeForward(writer, plan, options));
  writeTrainForward(writer, plan, training.backward, trace);
  const args = [...plan.inputs.map((i) => i.identifier), 'batch'].join(', ');
  const outputs =
    plan.outputs.length === 1
      ? `f.${training.backward.output}`
      : `{ ${plan.outputs.map((o, idx) => `${o.identifier}: f.${training.backward.outputs[idx]}`).join(', ')} }`;
  writer.write(`async function forward(${params}): Promise<${result}>`).block(() => {
    writer.writeLine(`if (!runtime.training) return infer(${args});`);
    writer.writeLine(`const f = await trainForward(${args});`);
    writer.writeLine(`return ${outputs};`);
  });
  writeTrainStep(writer, plan, training.backward, trace);
  writeEvaluate(writer, plan);
  writer.writeLine('return runtime.finishTraining({ forward, trainStep, evaluate }, trainer);');
}

function writeForward(writer: CodeBlockWriter, plan: ModulePlan, options: EmitOptions): void {
  for (const input of plan.inputs) {
    writer.writeLine(
      `runtime.checkInput(${stringLiteral(input.name)}, ${input.identifier}, batch, ${perSample(input)});`,
    );
  }
  if (plan.buffers.length === 0) return writeForwardBody(writer, plan, options);
  writer.writeLine('const slots = buffers.acquire(batch);');
  writer.write('try').block(() => writeForwardBody(writer, plan, options));
  writer.write('finally').block(() => writer.writeLine('buffers.release(slots);'));
}

/**
 * The layer calls of the forward; values (and intermediate results of a layer's calls) in planned
 * buffers, outputs in fresh arrays.
 */
function writeForwardBody(writer: CodeBlockWriter, plan: ModulePlan, options: EmitOptions): void {
  const variable = new Map<number, string>();
  const pooled = new Set<string>();
  for (const input of plan.inputs) variable.set(input.node, input.identifier);
  for (const layer of plan.layers) {
    const inputs = layer.node.inputs.map((id) => variable.get(id) ?? 'undefined');
    if (layer.alias) {
      variable.set(layer.node.id, inputs[0]);
      continue;
    }
    writer.writeLine(traceComment(layer, options));
    let current = inputs;
    layer.calls.forEach((call, idx) => {
      const params = call.params.map((name) =>
        name === null ? 'null' : `runtime.param(${stringLiteral(name)})`,
      );
      const last = idx === layer.calls.length - 1;
      const name =
        last && layer.identifier
          ? layer.identifier
          : `v${layer.node.id}${layer.calls.length > 1 ? `_${idx}` : ''}`;
      const run = `await layer${layer.node.id}_${idx}(${[...current, ...params, 'batch'].join(', ')})`;
      const buffer = last ? layer.buffer : layer.scratch?.[idx];
      if (buffer !== undefined) {
        writer.writeLine(`const ${name} = buffers.put(slots[${buffer}], ${run});`);
        pooled.add(name);
      } else writer.writeLine(`const ${name} = ${run};`);
      current = [name];
    });
    variable.set(layer.node.id, current[0]);
  }
  // An output that is a planned buffer (a reshaped intermediate) is copied: the caller keeps it.
  const result = (node: number) => {
    const name = variable.get(node) ?? 'undefined';
    return pooled.has(name) ? `${name}.slice()` : name;
  };
  if (plan.outputs.length === 1) writer.writeLine(`return ${result(plan.outputs[0].node)};`);
  else
    writer.writeLine(
      `return { ${plan.outputs.map((o) => `${o.identifier}: ${result(o.node)}`).join(', ')} };`,
    );
}

/** `'he'`, `'glorot'` or `{ normal: 0.01 }`: the std is a number the compiler checked. */
export function initLiteral(init: TrainInit): string {
  return typeof init === 'string' ? stringLiteral(init) : `{ normal: ${String(init.normal)} }`;
}
