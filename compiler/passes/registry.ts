// The one list of passes, in the order they run, and the driver that runs them for an `-O` level.
// Order matters and is declared here: folding comes before fusion (a BatchNorm sits between a conv
// and its activation), fusion before lowering, and memory planning last.
import { eliminateDeadValuesPass } from './eliminate-dead-values.js';
import { foldBatchnormPass } from './fold-batchnorm.js';
import { fuseActivationPass } from './fuse-activation.js';
import { fuseElementwisePass } from './fuse-elementwise.js';
import type { Graph } from '../ir/opt-graph.js';
import { lowerConvolutionsPass } from './lower-convolutions.js';
import type { Pass, PassNote, PassOptions } from './pass.js';
import { planMemoryPass } from './plan-memory.js';
import { assertValidGraph } from './verify-graph.js';

/** Every pass, in pipeline order. */
export const passes: readonly Pass[] = [
  eliminateDeadValuesPass,
  foldBatchnormPass,
  fuseActivationPass,
  fuseElementwisePass,
  lowerConvolutionsPass,
  planMemoryPass,
];

/** Optimisation levels: 0 runs nothing, 1 the safe passes, 2 all of them. */
export type OptLevel = 0 | 1 | 2;

/** Options of {@link optimize}. */
export interface OptimizeOptions extends PassOptions {
  level: OptLevel;
  /** Check the IR after every pass (tests, `CNNC_DEBUG`). */
  verify?: boolean;
  /** Called with each pass's result, for `--print-ir-after`. */
  after?: (pass: Pass, graph: Graph) => void;
}

/** The passes an `-O` level runs. With `-O0`, `--conv` still chooses the lowering. */
export function passesFor(level: OptLevel, conv: PassOptions['conv']): Pass[] {
  if (level === 0) return conv === 'auto' ? [] : [lowerConvolutionsPass];
  return passes.filter((pass) => pass.level <= level);
}

/** Runs the passes of `options.level` over `graph`; returns the result and every pass's notes. */
export function optimize(
  graph: Graph,
  options: OptimizeOptions,
): { graph: Graph; notes: PassNote[] } {
  const verify = options.verify ?? Boolean(process.env.CNNC_DEBUG);
  if (verify) assertValidGraph(graph, 'expansion');
  const notes: PassNote[] = [];
  let current = graph;
  for (const pass of passesFor(options.level, options.conv)) {
    const result = pass.run(current, options);
    if (verify) assertValidGraph(result.graph, pass.name);
    options.after?.(pass, result.graph);
    for (const note of result.notes) notes.push(note);
    current = result.graph;
  }
  return { graph: current, notes };
}

/** Looks a pass up by name. */
export function findPass(name: string): Pass | undefined {
  return passes.find((pass) => pass.name === name);
}

/**
 * The passes of a training build: only the convolution lowering. BatchNorm folding, activation
 * fusion and dead-value elimination (which drops `dropout`) would all change what the backward
 * must differentiate, so the training forward keeps every layer as written.
 */
export function optimizeForTraining(
  graph: Graph,
  options: Omit<OptimizeOptions, 'level' | 'after'>,
): Graph {
  const verify = options.verify ?? Boolean(process.env.CNNC_DEBUG);
  const result = lowerConvolutionsPass.run(graph, options);
  if (verify) assertValidGraph(result.graph, lowerConvolutionsPass.name);
  return result.graph;
}
