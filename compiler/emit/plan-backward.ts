// Reverse-mode differentiation over a planned training graph, at compile time: the forward becomes
// a list of kernel steps, and walking it backwards from the loss gives the backward schedule. Each
// step's backward comes from one rule (./gradient-rules.ts); a value read by several steps (a
// residual's fan-out) receives one gradient from each, summed before its producer runs; a value
// no gradient reaches costs nothing, and model inputs get no gradient at all.
import { gradientRule, type GradientRule } from './gradient-rules.js';
import { safeIdentifier } from './names.js';
import type { ModulePlan, PlannedLayer } from './plan-module.js';
import type { KernelCall } from './target.js';

/** One kernel call of the training forward. */
export interface TrainStep {
  layer: PlannedLayer;
  call: KernelCall;
  rule: GradientRule;
  /** Identifiers of the descriptor both share, the forward kernel and its backward in `create`. */
  descriptor: string;
  kernel: string;
  grad: string;
  /** The variable holding its backward's result (`{ input, weight, … }`). */
  gradResult: string;
  /** Value variables the step reads (model inputs or earlier outputs), in argument order. */
  inputs: string[];
  output: string;
  /** The variable holding a training forward's full result (`{ output, mask }`…), if any. */
  result?: string;
  /** Whether the backward computes the gradient with respect to the step's input. */
  inputGradient: boolean;
}

/** An input or parameter gradient a backward step produces. */
export interface GradTarget {
  /** `input`, `inputs[1]`, `weight`… of the backward's result. */
  field: string;
  /** The gradient variable (for an input) or parameter name (for a parameter). */
  target: string;
}

/** One operation of the backward schedule. */
export type BackwardOp =
  | { kind: 'sum'; target: string; parts: string[] }
  | {
      kind: 'grad';
      step: TrainStep;
      gradOutput: string;
      result: string;
      inputs: GradTarget[];
      params: GradTarget[];
    };

/** The training forward and its backward. */
export interface TrainingPlan {
  steps: TrainStep[];
  backward: BackwardOp[];
  /** Variables of the model inputs (they need no gradient) and of the output the loss reads. */
  inputs: string[];
  output: string;
  /** Variables of every model output, in order (the first is `output`). */
  outputs: string[];
  /** Why the model cannot train (a kernel without a backward), or null. */
  unsupported: string | null;
  /** The layer whose kernel has no backward, for the build's diagnostic. */
  missing: PlannedLayer | null;
}

/** The gradient variable of the loss with respect to the model output. */
export const LOSS_GRADIENT = 'lossGradient';

/** Lists the kernel steps of `plan`'s forward, naming values as the inference forward does. */
function forwardSteps(plan: ModulePlan): { steps: TrainStep[]; variables: Map<number, string> } {
  const variables = new Map<number, string>(plan.inputs.map((i) => [i.node, i.identifier]));
  const steps: TrainStep[] = [];
  for (const layer of plan.layers) {
    const { node } = layer;
    const inputs = node.inputs.map((id) => variables.get(id) ?? 'undefined');
    if (layer.alias) {
      variables.set(node.id, inputs[0]);
      continue;
    }
    let current = inputs;
    layer.calls.forEach((call, idx) => {
      const suffix = `${node.id}_${idx}`;
      const last = idx === layer.calls.length - 1;
      const output =
        last && layer.identifier
          ? layer.identifier
          : `v${node.id}${layer.calls.length > 1 ? `_${idx}` : ''}`;
      const rule = gradientRule(call.factory);
      steps.push({
        layer,
        call,
        rule: rule ?? {
          grad: '',
          saved: 'none',
          result: 'input',
          paramGrads: [],
          inputOption: false,
        },
        descriptor: `d${suffix}`,
        kernel: `train${suffix}`,
        grad: `grad${suffix}`,
        gradResult: `b${suffix}`,
        inputs: current,
        output,
        ...(rule?.trainForward ? { result: `r${suffix}` } : {}),
        inputGradient: true,
      });
      current = [output];
    });
    variables.set(node.id, current[0]);
  }
  return { steps, variables };
}

/** Derives the backward schedule of `plan` (a training build: no folds, unfused activations). */
export function planBackward(plan: ModulePlan): TrainingPlan {
  const { steps, variables } = forwardSteps(plan);
  const inputs = plan.inputs.map((input) => input.identifier);
  const outputs = plan.outputs.map((o) => variables.get(o.node) ?? inputs[0]);
  const output = outputs[0];
  const missing = steps.find((step) => !gradientRule(step.call.factory));
  const unsupported = missing
    ? `\`${missing.layer.node.op}\` (kernel \`${missing.call.factory}\`) has no backward`
    : null;
  // A value needs a gradient when a trainable parameter is upstream of it; the others (a
  // parameter-free first layer's output) get none, and their producers' backwards do not run.
  const trainable = (step: TrainStep) =>
    step.call.params.some((name, idx) => name !== null && step.rule.paramGrads[idx]);
  const needsGradient = new Set<string>();
  for (const step of steps)
    if (trainable(step) || step.inputs.some((variable) => needsGradient.has(variable)))
      needsGradient.add(step.output);
  const contributions = new Map<string, string[]>([[output, [LOSS_GRADIENT]]]);
  // Gradient variables are `d_<value>` (`d_skip_0`, `d_v12_0`); one that a value or an input of
  // the source already is gets a suffix from names.ts (`d_skip_0_`).
  const taken = new Set([...inputs, ...steps.map((step) => step.output)]);
  const unique = (name: string): string => {
    if (taken.has(name)) return safeIdentifier(name, taken);
    taken.add(name);
    return name;
  };
  const backward: BackwardOp[] = [];
  for (const step of [...steps].reverse()) {
    const parts = contributions.get(step.output);
    if (!parts) continue;
    let gradOutput = parts[0];
    if (parts.length > 1) {
      gradOutput = unique(`d_${step.output}`);
      backward.push({ kind: 'sum', target: gradOutput, parts });
    }
    const inputTargets: GradTarget[] = [];
    const valueInputs = step.rule.result === 'inputs' ? step.inputs : step.inputs.slice(0, 1);
    valueInputs.forEach((variable, idx) => {
      if (inputs.includes(variable) || !needsGradient.has(variable)) return;
      const list = contributions.get(variable) ?? [];
      const target = unique(`d_${variable}_${list.length}`);
      contributions.set(variable, [...list, target]);
      const field = step.rule.result === 'inputs' ? `inputs[${idx}]` : 'input';
      inputTargets.push({ field, target });
    });
    step.inputGradient = inputTargets.length > 0;
    const params: GradTarget[] = [];
    step.call.params.forEach((name, idx) => {
      const field = step.rule.paramGrads[idx];
      if (name !== null && field) params.push({ field, target: name });
    });
    // A backward whose results nobody needs (a first layer without parameters) is not run.
    if (inputTargets.length === 0 && params.length === 0) continue;
    backward.push({
      kind: 'grad',
      step,
      gradOutput,
      result: step.gradResult,
      inputs: inputTargets,
      params,
    });
  }
  return { steps, backward, inputs, output, outputs, unsupported, missing: missing?.layer ?? null };
}
