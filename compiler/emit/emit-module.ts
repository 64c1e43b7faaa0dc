// Writes a planned module as TypeScript with ts-morph (user text only ever enters through
// `stringLiteral`, `commentText` and checked identifiers), then formats it with prettier.
import { Project, VariableDeclarationKind, type CodeBlockWriter, type SourceFile } from 'ts-morph';
import { commentText, stringLiteral } from './names.js';
import type { ModulePlan, PlannedLayer } from './plan-module.js';
import { perSample } from './plan-module.js';
import type { Literal, Target } from './target.js';

/** Where emitted code finds `file:line:col` for a span offset. */
export type Trace = (file: string, offset: number) => string;

/** Options of {@link emitModule}. */
export interface EmitOptions {
  /** The `.cnn` file name shown in the header. */
  source: string;
  trace: Trace;
  /** Overrides the runtime module specifier (tests point it at the sources). */
  runtimeModule?: string;
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

function traceComment(layer: PlannedLayer, options: EmitOptions): string {
  const { node } = layer;
  const fused = [...(node.folded ? ['batchnorm'] : []), ...(node.epilogue ?? []).map((s) => s.op)];
  const what = [node.op, ...fused].join(' + ');
  return `// ${commentText(options.trace(node.span.file, node.span.start))} ${what}`;
}

function writeShapes(file: SourceFile, plan: ModulePlan): void {
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

function writeTables(file: SourceFile, plan: ModulePlan): void {
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

function forwardSignature(plan: ModulePlan): { params: string; result: string } {
  const params = [
    ...plan.inputs.map((input) => `${input.identifier}: Float32Array`),
    'batch: number',
  ].join(', ');
  const result =
    plan.outputs.length === 1
      ? 'Float32Array'
      : `{ ${plan.outputs.map((output) => `${output.identifier}: Float32Array`).join('; ')} }`;
  return { params, result };
}

function writeInterface(file: SourceFile, plan: ModulePlan): void {
  const { params, result } = forwardSignature(plan);
  const ins = plan.inputs
    .map((i) => `\`${i.identifier}\` is [batch, ${i.shape.join(', ')}]`)
    .join(', ');
  const outs = plan.outputs
    .map((o) => `\`${o.identifier}\` is [batch, ${o.shape.join(', ')}]`)
    .join(', ');
  file.addInterface({
    name: plan.typeName,
    isExported: true,
    extends: ['ModelBase'],
    docs: [`The model \`${plan.typeName}\`.`],
    methods: [
      {
        name: 'forward',
        docs: [`Runs \`batch\` samples, flat NCHW: ${ins}; ${outs}.`],
        parameters: [],
        returnType: `Promise<${result}>`,
      },
    ],
  });
  const method = file.getInterfaceOrThrow(plan.typeName).getMethodOrThrow('forward');
  for (const part of params.split(', ')) {
    const [name, type] = part.split(': ');
    method.addParameter({ name, type });
  }
}

/** Emits the module of `plan` as formatted TypeScript. */
export function emitModuleText(plan: ModulePlan, target: Target, options: EmitOptions): string {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('module.ts', '');
  file.addImportDeclaration({
    moduleSpecifier: options.runtimeModule ?? target.runtimeModule,
    namedImports: [
      'createModelRuntime',
      ...factories(plan),
      ...['CreateOptions', 'FoldSpec', 'ModelBase', 'ParamSpec'].map((name) => ({
        name,
        isTypeOnly: true,
      })),
    ],
  });
  writeShapes(file, plan);
  writeTables(file, plan);
  writeInterface(file, plan);
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

function writeCreateBody(writer: CodeBlockWriter, plan: ModulePlan, options: EmitOptions): void {
  writer.writeLine(
    `const runtime = createModelRuntime(options, parameterSpecs, folds, ${stringLiteral(plan.model)});`,
  );
  writer.writeLine('const backend = runtime.backend;');
  for (const layer of plan.layers) {
    if (layer.calls.length === 0) continue;
    writer.writeLine(traceComment(layer, options));
    layer.calls.forEach((call, idx) => {
      writer.write(`const layer${layer.node.id}_${idx} = ${call.factory}(`);
      if (call.takesBackend !== false) writer.write('backend, ');
      writeLiteral(writer, call.descriptor);
      writer.write(');').newLine();
    });
  }
  const { params, result } = forwardSignature(plan);
  writer
    .write(`async function forward(${params}): Promise<${result}>`)
    .block(() => writeForward(writer, plan, options));
  writer.writeLine('return runtime.finish({ forward });');
}

function writeForward(writer: CodeBlockWriter, plan: ModulePlan, options: EmitOptions): void {
  const variable = new Map<number, string>();
  for (const input of plan.inputs) {
    writer.writeLine(
      `runtime.checkInput(${stringLiteral(input.name)}, ${input.identifier}, batch, ${perSample(input)});`,
    );
    variable.set(input.node, input.identifier);
  }
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
      const name = `v${layer.node.id}${layer.calls.length > 1 ? `_${idx}` : ''}`;
      writer.writeLine(
        `const ${name} = await layer${layer.node.id}_${idx}(${[...current, ...params, 'batch'].join(', ')});`,
      );
      current = [name];
    });
    variable.set(layer.node.id, current[0]);
  }
  if (plan.outputs.length === 1) writer.writeLine(`return ${variable.get(plan.outputs[0].node)};`);
  else
    writer.writeLine(
      `return { ${plan.outputs.map((o) => `${o.identifier}: ${variable.get(o.node)}`).join(', ')} };`,
    );
}
