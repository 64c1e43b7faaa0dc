// Turns a model's checked `train` section (compile-time Values) into the plain `TrainSpec` record a
// generated module embeds: the loss, the optimizer and schedule with PyTorch's hyper-parameter
// names in camel case, and the batch, epochs, seed and metrics. Absent keys take the defaults of
// LANGUAGE.md §8 (SGD's learning rate, which PyTorch requires, defaults to 0.01 here).
import type { TrainConfig } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import type { LiteralRecord } from './target.js';

/** Parameter order of each constructor, for positional arguments (as `compiler/expand/train.ts`). */
const POSITIONAL: Record<string, string[]> = {
  sgd: ['lr', 'momentum', 'nesterov', 'weight_decay', 'dampening'],
  rmsprop: ['lr', 'alpha', 'eps', 'momentum', 'weight_decay'],
  adagrad: ['lr', 'eps', 'weight_decay'],
  adam: ['lr', 'beta1', 'beta2', 'eps', 'weight_decay'],
  adamw: ['lr', 'beta1', 'beta2', 'eps', 'weight_decay'],
  step: ['every', 'gamma'],
  exponential: ['gamma'],
  cosine: ['epochs', 'min_lr'],
  onecycle: ['max_lr', 'pct_start'],
  warmup: ['epochs', 'then'],
  crop: ['pad'],
  translate: ['max'],
  rotate: ['degrees'],
  noise: ['std'],
};

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The arguments of a constructor call (or bare name) by camel-case name. */
function argumentsOf(value: Value): { name: string; args: Map<string, Value> } {
  if (value.kind === 'symbol') return { name: value.name, args: new Map() };
  if (value.kind !== 'call') return { name: '', args: new Map() };
  const args = new Map<string, Value>();
  value.positional.forEach((arg, idx) => {
    const param = POSITIONAL[value.name]?.[idx];
    if (param) args.set(camel(param), arg);
  });
  for (const arg of value.named) args.set(camel(arg.name), arg.value);
  return { name: value.name, args };
}

function scalar(value: Value | undefined): number | boolean | undefined {
  if (!value) return undefined;
  if (value.kind === 'int' || value.kind === 'float') return value.value;
  if (value.kind === 'bool') return value.value;
  return undefined;
}

function record(kind: string, args: Map<string, Value>, skip: string[] = []): LiteralRecord {
  const result: Record<string, number | boolean | string> = { kind };
  for (const [name, value] of args) {
    const item = scalar(value);
    if (item !== undefined && !skip.includes(name)) result[name] = item;
  }
  return result;
}

function scheduleSpec(value: Value | undefined, epochs: number): LiteralRecord {
  if (!value) return { kind: 'constant' };
  const { name, args } = argumentsOf(value);
  if (name === 'onecycle') {
    // The total step count depends on the data; the trainer sets it from the steps per epoch.
    const spec = record(name, args, ['maxLr']);
    return { ...spec, maxLr: scalar(args.get('maxLr')) ?? 0.1, totalSteps: 0 };
  }
  if (name === 'cosine') return { epochs, ...record(name, args) };
  if (name === 'warmup') {
    const then = args.get('then');
    return { ...record(name, args, ['then']), then: scheduleSpec(then, epochs) };
  }
  return record(name || 'constant', args);
}

function integer(value: Value | undefined, fallback: number): number {
  return value?.kind === 'int' ? value.value : fallback;
}

/** The `TrainSpec` literal of `config` (defaults when the model has no `train` section). */
export function trainSpecOf(config: TrainConfig | undefined): LiteralRecord {
  const entries = config?.entries ?? {};
  const epochs = integer(entries.epochs, 10);
  const optimizer = entries.optimizer ? argumentsOf(entries.optimizer) : undefined;
  const metricValues = entries.metrics
    ? entries.metrics.kind === 'list' || entries.metrics.kind === 'tuple'
      ? entries.metrics.items
      : [entries.metrics]
    : [];
  return {
    loss: entries.loss?.kind === 'symbol' ? entries.loss.name : 'cross_entropy',
    optimizer: optimizer ? record(optimizer.name, optimizer.args) : { kind: 'sgd', lr: 0.01 },
    schedule: scheduleSpec(entries.schedule, epochs),
    batch: integer(entries.batch, 32),
    epochs,
    seed: integer(entries.seed, 0),
    metrics: metricValues.map((metric) => (metric.kind === 'symbol' ? metric.name : '')),
    ...(entries.augment ? { augment: augmentSpecs(entries.augment) } : {}),
    ...(entries.early_stop ? { earlyStop: integer(entries.early_stop, 0) } : {}),
  };
}

/** `augment = [flip, crop(pad=4), …]` as `AugmentSpec` records; `crop` pads 4 pixels by default. */
function augmentSpecs(value: Value): LiteralRecord[] {
  const items = value.kind === 'list' || value.kind === 'tuple' ? value.items : [value];
  return items.map((item) => {
    const { name, args } = argumentsOf(item);
    const spec = record(name, args);
    return name === 'crop' && spec.pad === undefined ? { ...spec, pad: 4 } : spec;
  });
}

/** A `train` section's `init`: `he`, `glorot` or `normal(std)` (a finite, positive std). */
export type TrainInit = 'he' | 'glorot' | { normal: number };

/** The initialisation scheme of the `train` section, if it names one. */
export function trainInitOf(config: TrainConfig | undefined): TrainInit | undefined {
  const init = config?.entries.init;
  const name = init?.kind === 'symbol' ? init.name : init?.kind === 'call' ? init.name : undefined;
  if (name === 'he' || name === 'glorot') return name;
  if (name !== 'normal' || init?.kind !== 'call') return undefined;
  const std = init.positional[0] ?? init.named.find((arg) => arg.name === 'std')?.value;
  const value = std && (std.kind === 'int' || std.kind === 'float') ? std.value : NaN;
  return Number.isFinite(value) && value > 0 ? { normal: value } : undefined;
}
