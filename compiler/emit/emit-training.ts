// Writes the training half of a generated module from a TrainingPlan: the training kernels and
// their backwards (created once in `create`), `trainForward` (batch statistics, dropout masks),
// `trainStep` (forward, loss, the backward schedule in reverse, one optimizer step) and `evaluate`.
// Like the inference forward, everything is straight-line code over named kernel calls.
import type { CodeBlockWriter } from 'ts-morph';
import { argNumber } from '../layers/args.js';
import { stringLiteral } from './names.js';
import {
  LOSS_GRADIENT,
  type BackwardOp,
  type TrainingPlan,
  type TrainStep,
} from './plan-backward.js';
import { perSample, type ModulePlan } from './plan-module.js';
import { writeLiteral, type LayerTrace } from './emit-module.js';

/** The steps whose backward runs: those a gradient reaches that compute one for something. */
function backwardSteps(training: TrainingPlan): Set<TrainStep> {
  return new Set(training.backward.flatMap((op) => (op.kind === 'grad' ? [op.step] : [])));
}

/** The runtime exports the training code calls. */
export function trainingImports(training: TrainingPlan): string[] {
  const names = new Set<string>();
  const backward = backwardSteps(training);
  for (const step of training.steps) {
    names.add(step.rule.trainForward ?? step.call.factory);
    if (step.rule.grad && backward.has(step)) names.add(step.rule.grad);
  }
  return [...names];
}

/**
 * Writes `const dN_i = { … } as const` (the step's descriptor, stated once), then
 * `const trainN_i = factory(backend, dN_i)` and, when its backward runs,
 * `const gradN_i = factoryGrad(backend, dN_i)`: a backward takes its forward's descriptor.
 */
export function writeTrainingKernels(
  writer: CodeBlockWriter,
  training: TrainingPlan,
  trace: LayerTrace,
): void {
  if (training.unsupported) return;
  const backward = backwardSteps(training);
  for (const step of training.steps) {
    writer.writeLine(trace.comment(step.layer, step.output === step.layer.identifier));
    const factory = step.rule.trainForward ?? step.call.factory;
    const backendArg =
      step.call.takesBackend !== false || step.rule.trainForward ? 'backend, ' : '';
    writer.write(`const ${step.descriptor} = `);
    writeLiteral(writer, step.call.descriptor);
    writer.write(' as const;').newLine();
    const forward =
      step.rule.trainForward === 'batchnormTrain'
        ? `{ ...${step.descriptor}, momentum: ${argNumber(step.layer.node, 'momentum')} }`
        : step.descriptor;
    writer.writeLine(`const ${step.kernel} = ${factory}(${backendArg}${forward});`);
    if (!backward.has(step)) continue;
    const option = step.rule.inputOption && !step.inputGradient ? ', { inputGradient: false }' : '';
    writer.writeLine(
      `const ${step.grad} = ${step.rule.grad}(backend, ${step.descriptor}${option});`,
    );
  }
}

function paramExpr(name: string | null): string {
  return name === null ? 'null' : `runtime.param(${stringLiteral(name)})`;
}

function writeForwardStep(writer: CodeBlockWriter, step: TrainStep): void {
  const params = step.call.params.map(paramExpr);
  if (step.rule.trainForward === 'dropoutTrain') {
    writer.writeLine(
      `const ${step.result} = await ${step.kernel}(${step.inputs[0]}, trainer.rng, batch);`,
    );
  } else {
    const args = [...step.inputs, ...params, 'batch'].join(', ');
    const target = step.result ?? step.output;
    writer.writeLine(`const ${target} = await ${step.kernel}(${args});`);
  }
  if (!step.result) return;
  writer.writeLine(`const ${step.output} = ${step.result}.output;`);
  if (step.rule.trainForward === 'batchnormTrain') {
    const [, , mean, variance] = step.call.params;
    writer.writeLine(
      `runtime.setBuffer(${stringLiteral(mean ?? '')}, ${step.result}.runningMean);`,
    );
    writer.writeLine(
      `runtime.setBuffer(${stringLiteral(variance ?? '')}, ${step.result}.runningVar);`,
    );
  }
}

/** Writes `trainForward(inputs…, batch)`, resolving to every value the backward reads. */
export function writeTrainForward(
  writer: CodeBlockWriter,
  plan: ModulePlan,
  training: TrainingPlan,
  trace: LayerTrace,
): void {
  const params = [...plan.inputs.map((i) => `${i.identifier}: Float32Array`), 'batch: number'];
  writer.write(`async function trainForward(${params.join(', ')})`).block(() => {
    for (const input of plan.inputs)
      writer.writeLine(
        `runtime.checkInput(${stringLiteral(input.name)}, ${input.identifier}, batch, ${perSample(input)});`,
      );
    // buildModel reports a layer without a backward (CNN4002) before any code is written.
    if (training.unsupported)
      throw new Error(`internal error: emitting training code although ${training.unsupported}`);
    for (const step of training.steps) {
      writer.writeLine(trace.comment(step.layer));
      writeForwardStep(writer, step);
    }
    if (training.steps.some((step) => step.rule.trainForward === 'batchnormTrain'))
      writer.writeLine('runtime.refresh();');
    const names = training.steps.flatMap((step) => (step.result ? [step.result] : []));
    names.push(...training.steps.map((step) => step.output));
    writer.writeLine(`return { ${[...new Set(names)].join(', ')} };`);
  });
}

/** How backward code reads a forward variable: model inputs directly, the rest from `f`. */
function reader(training: TrainingPlan): (variable: string) => string {
  return (variable) => (training.inputs.includes(variable) ? variable : `f.${variable}`);
}

function savedObject(step: TrainStep, read: (variable: string) => string): string {
  const input = read(step.inputs[0]);
  const [first, second] = step.call.params.map(paramExpr);
  switch (step.rule.saved) {
    case 'conv':
      return `{ input: ${input}, weight: ${first}, bias: ${second} }`;
    case 'input':
      return `{ input: ${input} }`;
    case 'output':
      return `{ output: ${read(step.output)} }`;
    case 'input-output':
      return `{ input: ${input}, output: ${read(step.output)} }`;
    case 'inputs':
      return `{ inputs: [${step.inputs.map(read).join(', ')}] }`;
    case 'mask':
      return `{ mask: f.${step.result}.mask }`;
    case 'batchnorm':
      return `{ input: ${input}, gamma: ${first}, beta: ${second}, mean: f.${step.result}.mean, variance: f.${step.result}.variance }`;
    case 'normalize':
      return `{ std: ${second} }`;
    case 'none':
      return '{}';
  }
}

function writeBackwardOp(
  writer: CodeBlockWriter,
  op: BackwardOp,
  training: TrainingPlan,
  trace: LayerTrace,
): void {
  if (op.kind === 'sum') {
    writer.writeLine(`const ${op.target} = runtime.sum([${op.parts.join(', ')}]);`);
    return;
  }
  const { step } = op;
  writer.writeLine(trace.comment(step.layer));
  const saved = savedObject(step, reader(training));
  writer.writeLine(`const ${op.result} = await ${step.grad}(${op.gradOutput}, ${saved}, batch);`);
  for (const input of op.inputs) {
    // A backward that can skip its input gradient types it `| null`: checked, never cast.
    const value = `${op.result}.${input.field}`;
    const read = step.rule.inputOption ? `runtime.inputGradient(${value})` : value;
    writer.writeLine(`const ${input.target} = ${read};`);
  }
  for (const param of op.params)
    writer.writeLine(
      `runtime.collect(grads, ${stringLiteral(param.target)}, ${op.result}.${param.field});`,
    );
}

/** Writes `trainStep(inputs…, labels, batch, options)`. */
export function writeTrainStep(
  writer: CodeBlockWriter,
  plan: ModulePlan,
  training: TrainingPlan,
  trace: LayerTrace,
): void {
  const inputs = plan.inputs.map((i) => i.identifier);
  const params = [
    ...inputs.map((name) => `${name}: Float32Array`),
    'labels: ArrayLike<number>',
    'batch: number',
    'options: StepOptions = {}',
  ];
  writer.write(`async function trainStep(${params.join(', ')}): Promise<StepResult>`).block(() => {
    writer.writeLine(`const f = await trainForward(${[...inputs, 'batch'].join(', ')});`);
    const output = reader(training)(training.output);
    writer.writeLine(
      `const { loss, gradient: ${LOSS_GRADIENT} } = trainer.loss(${output}, labels, batch);`,
    );
    // NOTE: only `op` and the position enter the code; the file name stays in comments.
    const traced = training.steps.map((step) => {
      const at = trace.position(step.layer);
      const where = at ? ` at line ${at.line}, column ${at.column}` : '';
      return `[${stringLiteral(`\`${trace.what(step.layer)}\`${where}`)}, f.${step.output}]`;
    });
    writer.writeLine(
      `if (!Number.isFinite(loss)) trainer.nonFinite(loss, [${traced.join(', ')}]);`,
    );
    writer.writeLine('const grads = new Map<string, Float32Array>();');
    for (const op of training.backward) writeBackwardOp(writer, op, training, trace);
    writer.writeLine('const lr = trainer.update(runtime.param, grads, options);');
    writer.writeLine('runtime.refresh();');
    writer.writeLine(
      `return { loss, outputs: ${output}, lr, ...(options.gradients ? { gradients: grads } : {}) };`,
    );
  });
}

/** Writes `evaluate(inputs…, labels, count)`, which runs the inference forward in batches. */
export function writeEvaluate(writer: CodeBlockWriter, plan: ModulePlan): void {
  const inputs = plan.inputs.map((i) => i.identifier);
  const params = [
    ...inputs.map((n) => `${n}: Float32Array`),
    'labels: ArrayLike<number>',
    'batch: number',
  ];
  const first = plan.outputs.length > 1 ? `.${plan.outputs[0].identifier}` : '';
  writer.write(`async function evaluate(${params.join(', ')}): Promise<Evaluation>`).block(() => {
    for (const input of plan.inputs)
      writer.writeLine(
        `runtime.checkInput(${stringLiteral(input.name)}, ${input.identifier}, batch, ${perSample(input)});`,
      );
    const slices = plan.inputs.map(
      (i) => `${i.identifier}.subarray(start * ${perSample(i)}, (start + size) * ${perSample(i)})`,
    );
    writer.writeLine(
      `return trainer.evaluate(batch, labels, async (start, size) => (await infer(${[...slices, 'size'].join(', ')}))${first});`,
    );
  });
}
