// `train Model { key = value … }`: checks each key and value against the training section of
// the language (LANGUAGE.md §8) and evaluates it into a TrainConfig.
import type { TrainItem } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import type { TrainConfig } from '../ir/graph.js';
import { showValue, type Value } from '../ir/value.js';
import { suggest } from '../util/edit-distance.js';
import type { Declarations } from './declarations.js';
import { evaluate, type EvalEnv } from './evaluate.js';
import { Scope } from './scope.js';

/** Constructor name → its parameters; `required` ones must be given. */
type Constructors = Record<string, { params: string[]; required: string[] }>;

const optimizers: Constructors = {
  sgd: { params: ['lr', 'momentum', 'nesterov', 'weight_decay', 'dampening'], required: ['lr'] },
  rmsprop: { params: ['lr', 'alpha', 'eps', 'momentum', 'weight_decay'], required: ['lr'] },
  adagrad: { params: ['lr', 'eps', 'weight_decay'], required: ['lr'] },
  adam: { params: ['lr', 'beta1', 'beta2', 'eps', 'weight_decay'], required: ['lr'] },
  adamw: { params: ['lr', 'beta1', 'beta2', 'eps', 'weight_decay'], required: ['lr'] },
};

const schedules: Constructors = {
  constant: { params: [], required: [] },
  step: { params: ['every', 'gamma'], required: ['every'] },
  exponential: { params: ['gamma'], required: ['gamma'] },
  cosine: { params: ['epochs', 'min_lr'], required: [] },
  onecycle: { params: ['max_lr', 'pct_start'], required: ['max_lr'] },
  warmup: { params: ['epochs', 'then'], required: ['epochs'] },
};

const inits: Constructors = {
  he: { params: [], required: [] },
  glorot: { params: [], required: [] },
  normal: { params: ['std'], required: ['std'] },
};

/** `augment` items (applied to training batches only; see trainer/core/augment.ts). */
const augmentations: Constructors = {
  flip: { params: [], required: [] },
  crop: { params: ['pad'], required: [] },
  translate: { params: ['max'], required: ['max'] },
  rotate: { params: ['degrees'], required: ['degrees'] },
  noise: { params: ['std'], required: ['std'] },
};

/** The range of each `augment` argument: integers for pixel counts, a positive std. */
const augmentRanges: Record<string, { integer: boolean; min: number; max: number; what: string }> =
  {
    pad: { integer: true, min: 1, max: 1024, what: 'an integer from 1 to 1024' },
    max: { integer: true, min: 1, max: 1024, what: 'an integer from 1 to 1024' },
    degrees: { integer: false, min: Number.MIN_VALUE, max: 180, what: 'a number in (0, 180]' },
    std: { integer: false, min: Number.MIN_VALUE, max: Infinity, what: 'a positive number' },
  };

const losses = ['cross_entropy', 'hinge', 'mse', 'bce'];
const metrics = ['accuracy', 'precision', 'recall', 'auc'];
const integerKeys: Record<string, number> = { batch: 1, epochs: 1, seed: 0, early_stop: 1 };
const keys = [
  'loss',
  'optimizer',
  'schedule',
  'init',
  'batch',
  'epochs',
  'seed',
  'metrics',
  'augment',
  'early_stop',
];

export function checkTrain(
  items: readonly TrainItem[],
  decls: Declarations,
  report: (d: Diagnostic) => void,
): TrainConfig[] {
  const configs: TrainConfig[] = [];
  const seen = new Map<string, Span>();
  for (const item of items) {
    const model = item.model.name;
    if (!decls.models.has(model)) {
      const guess = suggest(model, [...decls.models.keys()]);
      report(
        diagnostic(
          'CNN2013',
          item.model.span,
          `\`train\` names model \`${model}\`, which does not exist`,
          {
            hints: [
              guess ? `did you mean \`${guess}\`?` : 'define the model with `model Name { … }`',
            ],
          },
        ),
      );
      continue;
    }
    const previous = seen.get(model);
    if (previous) {
      report(
        diagnostic('CNN2014', item.model.span, `model \`${model}\` has two \`train\` sections`, {
          labels: [{ span: previous, message: 'first section here' }],
        }),
      );
      continue;
    }
    seen.set(model, item.model.span);
    configs.push({ model, span: item.span, entries: checkEntries(item, decls, report) });
  }
  return configs;
}

function checkEntries(
  item: TrainItem,
  decls: Declarations,
  report: (d: Diagnostic) => void,
): Record<string, Value> {
  const env: EvalEnv = { decls, scope: new Scope(), constructors: true, report };
  const entries: Record<string, Value> = {};
  for (const entry of item.entries) {
    const key = entry.key.name;
    if (!keys.includes(key)) {
      const guess = suggest(key, keys);
      report(
        diagnostic('CNN2020', entry.key.span, `unknown \`train\` key \`${key}\``, {
          hints: [guess ? `did you mean \`${guess}\`?` : `keys: ${keys.join(', ')}`],
        }),
      );
      continue;
    }
    const value = evaluate(entry.value, env);
    if (!value) continue;
    const problem = checkValue(key, value);
    if (problem)
      report(
        diagnostic('CNN2021', problem.span, problem.message, {
          hints: problem.hint ? [problem.hint] : [],
        }),
      );
    else entries[key] = value;
  }
  return entries;
}

interface Problem {
  span: Span;
  message: string;
  hint?: string;
}

function checkValue(key: string, value: Value): Problem | undefined {
  if (key in integerKeys) {
    const min = integerKeys[key];
    if (value.kind === 'int' && value.value >= min) return undefined;
    return {
      span: value.span,
      message: `\`${key}\` must be an integer of at least ${min}, found ${showValue(value)}`,
    };
  }
  if (key === 'loss') return checkSymbol(key, value, losses);
  if (key === 'metrics') {
    const items = value.kind === 'list' || value.kind === 'tuple' ? value.items : [value];
    for (const metric of items) {
      const problem = checkSymbol(key, metric, metrics);
      if (problem) return problem;
    }
    return undefined;
  }
  if (key === 'augment') {
    const items = value.kind === 'list' || value.kind === 'tuple' ? value.items : [value];
    for (const item of items) {
      const problem = checkConstructor(key, item, augmentations) ?? checkAugmentRange(item);
      if (problem) return problem;
    }
    return undefined;
  }
  const table = key === 'optimizer' ? optimizers : key === 'schedule' ? schedules : inits;
  return checkConstructor(key, value, table) ?? checkPositiveStd(value);
}

function checkSymbol(key: string, value: Value, allowed: string[]): Problem | undefined {
  if (value.kind === 'symbol' && allowed.includes(value.name)) return undefined;
  const guess = value.kind === 'symbol' ? suggest(value.name, allowed) : undefined;
  return {
    span: value.span,
    message: `\`${key}\` must be one of ${allowed.map((a) => `\`${a}\``).join(', ')}, found ${showValue(value)}`,
    hint: guess ? `did you mean \`${guess}\`?` : undefined,
  };
}

function checkConstructor(key: string, value: Value, table: Constructors): Problem | undefined {
  const name =
    value.kind === 'call' ? value.name : value.kind === 'symbol' ? value.name : undefined;
  const spec = name === undefined ? undefined : table[name];
  if (!spec || name === undefined) {
    const guess = name === undefined ? undefined : suggest(name, Object.keys(table));
    return {
      span: value.span,
      message: `\`${key}\` must be one of ${Object.keys(table)
        .map((a) => `\`${a}\``)
        .join(', ')}, found ${showValue(value)}`,
      hint: guess ? `did you mean \`${guess}\`?` : undefined,
    };
  }
  if (value.kind !== 'call') {
    if (spec.required.length === 0) return undefined;
    return {
      span: value.span,
      message: `\`${name}\` needs ${spec.required.map((r) => `\`${r}\``).join(', ')}`,
      hint: `write \`${name}(${spec.required.map((r) => `${r}=…`).join(', ')})\``,
    };
  }
  const given = new Set<string>();
  value.positional.forEach(
    (_, idx) => spec.params[idx] !== undefined && given.add(spec.params[idx]),
  );
  if (value.positional.length > spec.params.length)
    return {
      span: value.positional[spec.params.length].span,
      message: `\`${name}\` takes at most ${spec.params.length} arguments`,
    };
  for (const arg of value.named) {
    if (!spec.params.includes(arg.name)) {
      const guess = suggest(arg.name, spec.params);
      return {
        span: arg.nameSpan,
        message: `\`${name}\` has no argument \`${arg.name}\``,
        hint: guess ? `did you mean \`${guess}\`?` : `its arguments are ${spec.params.join(', ')}`,
      };
    }
    given.add(arg.name);
    if (arg.name === 'then') {
      const inner = checkConstructor(key, arg.value, schedules);
      if (inner) return inner;
    } else if (arg.value.kind !== 'int' && arg.value.kind !== 'float' && arg.value.kind !== 'bool')
      return {
        span: arg.value.span,
        message: `\`${arg.name}\` of \`${name}\` must be a number, found ${showValue(arg.value)}`,
      };
  }
  const missing = spec.required.filter((r) => !given.has(r));
  if (missing.length > 0)
    return {
      span: value.span,
      message: `\`${name}\` is missing ${missing.map((m) => `\`${m}\``).join(', ')}`,
    };
  return undefined;
}

/** `normal(std)` needs a positive standard deviation. */
function checkPositiveStd(value: Value): Problem | undefined {
  if (value.kind !== 'call' || value.name !== 'normal') return undefined;
  const std = value.positional[0] ?? value.named.find((arg) => arg.name === 'std')?.value;
  if (!std || ((std.kind === 'int' || std.kind === 'float') && std.value > 0)) return undefined;
  return {
    span: std.span,
    message: `\`std\` of \`normal\` must be positive, found ${showValue(std)}`,
  };
}

/** Each argument of an `augment` item lies in its range (`crop(pad=0)` would do nothing). */
function checkAugmentRange(value: Value): Problem | undefined {
  if (value.kind !== 'call') return undefined;
  const params = augmentations[value.name]?.params ?? [];
  const args = [
    ...value.positional.map((arg, idx) => ({ name: params[idx], value: arg })),
    ...value.named.map((arg) => ({ name: arg.name, value: arg.value })),
  ];
  for (const arg of args) {
    const range = augmentRanges[arg.name];
    const v = arg.value;
    const number = v.kind === 'int' || v.kind === 'float' ? v.value : NaN;
    const fits =
      Number.isFinite(number) &&
      number >= range.min &&
      number <= range.max &&
      (!range.integer || v.kind === 'int');
    if (!fits)
      return {
        span: v.span,
        message: `\`${arg.name}\` of \`${value.name}\` must be ${range.what}, found ${showValue(v)}`,
      };
  }
  return undefined;
}
