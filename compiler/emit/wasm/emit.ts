// Writes the TypeScript module of the wasm target with ts-morph: the same exported shapes and
// parameter tables as the gpu.js module, the WebAssembly module embedded as base64 with its memory
// layout, and a `create` whose model runs the generated layer functions in order.
import { Project, VariableDeclarationKind } from 'ts-morph';
import type { Graph } from '../../ir/opt-graph.js';
import {
  forwardSignature,
  initLiteral,
  traceComment,
  writeLiteral,
  writeShapes,
  writeTables,
  type EmitOptions,
} from '../emit-module.js';
import { commentText, stringLiteral } from '../names.js';
import type { ModulePlan } from '../plan-module.js';
import type { Literal } from '../target.js';
import { compileWat, generateModule, type WasmLayout } from './assemble.js';
import { generateTrainingModule, wasmTrainingUnsupported } from './backward/index.js';

/** The wasm module of `plan` as TypeScript text (unformatted) and its bytes. */
export async function emitWasmModuleText(
  plan: ModulePlan,
  graph: Graph,
  options: EmitOptions,
  runtimeModule: string,
): Promise<{ text: string; bytes: Uint8Array; layout: WasmLayout }> {
  const generated = generateModule(plan, graph);
  const bytes = await compileWat(generated.wat);
  const training = options.training;
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('module.ts', '');
  file.addImportDeclaration({
    moduleSpecifier: runtimeModule,
    namedImports: [
      'createWasmModel',
      ...(training ? ['createWasmTraining'] : []),
      ...[
        'FoldSpec',
        'ParamSpec',
        'WasmCreateOptions',
        'WasmModelBase',
        'WasmSpec',
        ...(training
          ? [
              'Evaluation',
              'StepOptions',
              'StepResult',
              'TrainingBase',
              'TrainSpec',
              'WasmTrainCreateOptions',
              'WasmTrainSpec',
            ]
          : []),
      ]
        .filter((name) => !training || name !== 'WasmCreateOptions')
        .map((name) => ({ name, isTypeOnly: true })),
    ],
  });
  writeShapes(file, plan);
  writeTables(file, plan);
  const layout = generated.layout;
  const traces = new Map<string, string>();
  for (const layer of plan.layers)
    layer.calls.forEach((_, idx) =>
      traces.set(`l${layer.node.id}_${idx}`, traceComment(layer, options).slice(3)),
    );
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      'The generated WebAssembly module (base64) and its memory layout: packed weights, scratch per thread, and the per-sample arena of the memory plan. Layers, in order:\n' +
        layout.layers
          .map((layer) => `- \`${layer.fn}\`: ${layerTrace(traces, layer.fn)}`)
          .join('\n'),
    ],
    declarations: [
      {
        name: 'wasmSpec',
        type: 'WasmSpec',
        initializer: (w) =>
          writeLiteral(w, {
            wasm: Buffer.from(bytes).toString('base64'),
            ...layout,
          } as unknown as Literal),
      },
    ],
  });
  const unsupported = training ? wasmTrainingUnsupported(training.backward) : null;
  if (training) {
    file.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [
        "The model's `train` section: loss, optimizer, schedule, batch, epochs, seed, metrics.",
      ],
      declarations: [
        {
          name: 'trainSpec',
          type: 'TrainSpec',
          initializer: (w) => writeLiteral(w, training.spec),
        },
      ],
    });
    file.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [
        'Why `trainStep` cannot run on this target (a layer with no wasm backward yet), or null.',
      ],
      declarations: [
        {
          name: 'wasmTrainingProblem',
          type: 'string | null',
          initializer: unsupported ? stringLiteral(unsupported) : 'null',
        },
      ],
    });
    const trainModule = unsupported
      ? null
      : generateTrainingModule(training.plan, training.backward);
    const trainBytes = trainModule ? await compileWat(trainModule.wat) : null;
    const trainTraces = new Map<number, string>();
    for (const layer of training.plan.layers)
      trainTraces.set(layer.node.id, traceComment(layer, options).slice(3));
    // NOTE: only `line:col op` enters the code; the file name stays in comments.
    const position = (text: string) => {
      const match = /:(\d+):(\d+) ([^\n]*)$/.exec(text);
      return match ? `\`${match[3]}\` at line ${match[1]}, column ${match[2]}` : 'a layer';
    };
    file.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      docs: [
        unsupported
          ? `This model cannot train on the wasm target: ${commentText(unsupported)}.`
          : 'The training module (training forward, then backward) and its memory layout. Layers, in order:\n' +
            (trainModule?.layout.layers ?? [])
              .map((layer) => {
                const node = Number(/^[tb](\d+)_/.exec(layer.fn)?.[1]);
                return `- \`${layer.fn}\`: ${trainTraces.get(node) ?? 'gradient sum'}`;
              })
              .join('\n'),
      ],
      declarations: [
        {
          name: 'wasmTrainSpec',
          type: 'WasmTrainSpec | null',
          initializer: (w) => {
            if (!trainModule || !trainBytes) {
              w.write('null');
              return;
            }
            const { traced, ...layout } = trainModule.layout;
            writeLiteral(w, {
              wasm: Buffer.from(trainBytes).toString('base64'),
              ...layout,
              traced: traced.map((value) => ({
                label: position(trainTraces.get(value.node) ?? ''),
                after: value.after,
                offset: value.offset,
                size: value.size,
              })),
            } as unknown as Literal);
          },
        },
      ],
    });
  }
  const { params, result } = forwardSignature(plan);
  const ins = plan.inputs.map((i) => `\`${i.identifier}\` is [batch, ${i.shape.join(', ')}]`);
  const outs = plan.outputs.map((o) => `\`${o.identifier}\` is [batch, ${o.shape.join(', ')}]`);
  file.addInterface({
    name: plan.typeName,
    isExported: true,
    extends: training ? ['WasmModelBase', 'TrainingBase'] : ['WasmModelBase'],
    docs: [`The model \`${plan.typeName}\`.`],
    methods: [
      {
        name: 'forward',
        docs: [`Runs \`batch\` samples, flat NCHW: ${ins.join(', ')}; ${outs.join(', ')}.`],
        parameters: params.split(', ').map((part) => {
          const [name, type] = part.split(': ');
          return { name, type };
        }),
        returnType: `Promise<${result}>`,
      },
      ...(training ? trainingMethods(params) : []),
    ],
  });
  const inputs = plan.inputs.map((input) => input.identifier).join(', ');
  file.addFunction({
    name: 'create',
    isExported: true,
    isAsync: true,
    docs: [
      'Creates the model: seeded or loaded weights packed into one WebAssembly memory, and a worker pool.',
    ],
    parameters: [
      {
        name: 'options',
        type: training ? 'WasmTrainCreateOptions' : 'WasmCreateOptions',
        initializer: '{}',
      },
    ],
    returnType: `Promise<${plan.typeName}>`,
    statements: (writer) => {
      const init = options.init ? `{ init: ${initLiteral(options.init)}, ...options }` : 'options';
      writer.writeLine(
        `const runtime = await createWasmModel(${init}, parameterSpecs, folds, ${stringLiteral(plan.model)}, wasmSpec);`,
      );
      if (training)
        writer.writeLine(
          `const training = createWasmTraining(runtime, ${init}, parameterSpecs, ${stringLiteral(plan.model)}, trainSpec, wasmTrainSpec, ${unsupported ? stringLiteral(unsupported) : 'null'});`,
        );
      const run = training ? 'training.forward' : 'runtime.run';
      writer.write(`async function forward(${params}): Promise<${result}>`).block(() => {
        writer.writeLine(`const outputs = await ${run}([${inputs}], batch);`);
        if (plan.outputs.length === 1) writer.writeLine('return outputs[0];');
        else
          writer.writeLine(
            `return { ${plan.outputs.map((o, idx) => `${o.identifier}: outputs[${idx}]`).join(', ')} };`,
          );
      });
      if (!training) {
        writer.writeLine('return runtime.finish({ forward });');
        return;
      }
      const labelled = [
        ...params.split(', ').slice(0, -1),
        'labels: ArrayLike<number>',
        'batch: number',
      ].join(', ');
      writer
        .write(
          `async function trainStep(${labelled}, options: StepOptions = {}): Promise<StepResult>`,
        )
        .block(() =>
          writer.writeLine(`return training.trainStep([${inputs}], labels, batch, options);`),
        );
      writer
        .write(`async function evaluate(${labelled}): Promise<Evaluation>`)
        .block(() => writer.writeLine(`return training.evaluate([${inputs}], labels, batch);`));
      writer.writeLine('return training.finish({ forward, trainStep, evaluate });');
    },
  });
  const header = `// Generated by cnnc from ${commentText(options.source)} for the wasm target. DO NOT EDIT.\n`;
  return { text: header + file.getFullText(), bytes, layout };
}

/** `trainStep` and `evaluate` of the model interface, as on the gpu.js target. */
function trainingMethods(params: string) {
  const inputs = params.split(', ').map((part) => part.split(': '));
  const labelled = [
    ...inputs.slice(0, -1),
    ['labels', 'ArrayLike<number>'],
    inputs[inputs.length - 1],
  ].map(([name, type]) => ({ name, type }));
  return [
    {
      name: 'trainStep',
      docs: [
        'One training step on `batch` samples with their labels (class indices, or targets shaped like the output for `mse`/`bce`): training forward, loss, backward, optimizer update. Resolves to the loss before the update.',
      ],
      parameters: [...labelled, { name: 'options', type: 'StepOptions', hasQuestionToken: true }],
      returnType: 'Promise<StepResult>',
    },
    {
      name: 'evaluate',
      docs: [
        "Loss, accuracy, precision, recall and AUC of the inference forward over `batch` samples (run in chunks of the `train` section's batch).",
      ],
      parameters: labelled,
      returnType: 'Promise<Evaluation>',
    },
  ];
}

/**
 * The doc line of layer function `fn`: its layer's trace; a function `l<id>_<call>_p<k>` is phase k
 * (from 0) of the kernel whose last phase is `l<id>_<call>`.
 */
function layerTrace(traces: ReadonlyMap<string, string>, fn: string): string {
  const phase = /^(.*)_p(\d+)$/.exec(fn);
  const trace = traces.get(phase ? phase[1] : fn) ?? 'a layer';
  return phase ? `${trace} (phase ${phase[2]})` : trace;
}
