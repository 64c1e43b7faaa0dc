// Binds a call's arguments to a layer's schema: positional then named, defaults filled in, each
// value checked against its type and range. Every problem is reported; a call with any problem
// produces no node.
import type { Argument, ArgumentList, Identifier } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { Value } from '../ir/value.js';
import type { ArgSpec, DefaultSpec, LayerSpec } from '../layers/types.js';
import { suggest } from '../util/edit-distance.js';
import { checkArgType } from './arg-types.js';
import { evaluate, type EvalEnv } from './evaluate.js';

/** Matches written arguments to parameter names; reports unknown, duplicate and extra ones. */
export function matchArguments(
  calleeName: string,
  paramNames: readonly string[],
  list: ArgumentList | undefined,
  env: EvalEnv,
): Map<string, { arg: Argument; nameSpan?: Span }> | undefined {
  const bound = new Map<string, { arg: Argument; nameSpan?: Span }>();
  let ok = true;
  let sawNamed = false;
  let position = 0;
  for (const arg of list?.args ?? []) {
    if (arg.name) {
      sawNamed = true;
      ok = bindNamed(calleeName, paramNames, arg, arg.name, bound, env) && ok;
      continue;
    }
    if (sawNamed) {
      env.report(
        diagnostic('CNN1015', arg.span, 'positional argument after a named one', {
          hints: ['write positional arguments first, or name this one'],
        }),
      );
      ok = false;
      continue;
    }
    const name = paramNames[position++];
    if (name === undefined) {
      const takes =
        paramNames.length === 0
          ? 'no arguments'
          : `at most ${paramNames.length === 1 ? '1 argument' : `${paramNames.length} arguments`} by position`;
      env.report(
        diagnostic('CNN2006', arg.span, `\`${calleeName}\` takes ${takes}`, {
          hints: paramNames.length
            ? [`its parameters are ${paramNames.map((p) => `\`${p}\``).join(', ')}`]
            : [],
        }),
      );
      ok = false;
      continue;
    }
    bound.set(name, { arg });
  }
  return ok ? bound : undefined;
}

function bindNamed(
  calleeName: string,
  paramNames: readonly string[],
  arg: Argument,
  name: Identifier,
  bound: Map<string, { arg: Argument; nameSpan?: Span }>,
  env: EvalEnv,
): boolean {
  if (!paramNames.includes(name.name)) {
    const guess = suggest(name.name, paramNames);
    const hint = guess
      ? `did you mean \`${guess}\`?`
      : paramNames.length
        ? `its arguments are ${paramNames.map((p) => `\`${p}\``).join(', ')}`
        : `\`${calleeName}\` takes no arguments`;
    env.report(
      diagnostic('CNN2002', name.span, `\`${calleeName}\` has no argument \`${name.name}\``, {
        hints: [hint],
      }),
    );
    return false;
  }
  const previous = bound.get(name.name);
  if (previous) {
    env.report(
      diagnostic(
        'CNN2004',
        arg.span,
        `argument \`${name.name}\` of \`${calleeName}\` is given twice`,
        {
          labels: [{ span: previous.arg.span, message: 'first given here' }],
        },
      ),
    );
    return false;
  }
  bound.set(name.name, { arg, nameSpan: name.span });
  return true;
}

/** Binds and checks a layer call; returns every schema argument's value, or undefined. */
export function bindLayerArgs(
  spec: LayerSpec,
  calleeName: string,
  list: ArgumentList | undefined,
  callSpan: Span,
  env: EvalEnv,
): Record<string, Value> | undefined {
  const matched = matchArguments(
    calleeName,
    spec.args.map((a) => a.name),
    list,
    env,
  );
  if (!matched) return undefined;
  const values: Record<string, Value> = {};
  let ok = true;
  for (const argSpec of spec.args) {
    const written = matched.get(argSpec.name);
    if (!written) continue;
    const value = evaluate(written.arg.value, env);
    if (!value) {
      ok = false;
      continue;
    }
    const checked = checkArgType(calleeName, argSpec, value, env);
    if (checked) values[argSpec.name] = checked;
    else ok = false;
  }
  if (!ok) return undefined;
  return fillDefaults(spec, calleeName, values, callSpan, env);
}

function fillDefaults(
  spec: LayerSpec,
  calleeName: string,
  values: Record<string, Value>,
  callSpan: Span,
  env: EvalEnv,
): Record<string, Value> | undefined {
  const missing = spec.args.filter((a) => !(a.name in values) && isRequired(a, values));
  if (missing.length > 0) {
    const names = missing.map((a) => `\`${a.name}\``).join(' and ');
    env.report(
      diagnostic(
        'CNN2005',
        callSpan,
        `\`${calleeName}\` is missing ${missing.length === 1 ? 'argument' : 'arguments'} ${names}`,
        {
          hints: [`\`${calleeName}(${signature(spec)})\``],
          notes: missing.map((a) => `\`${a.name}\`: ${a.doc}`),
        },
      ),
    );
    return undefined;
  }
  for (const argSpec of spec.args) {
    if (argSpec.name in values || argSpec.default === undefined) continue;
    const value = defaultValue(argSpec, argSpec.default, values, callSpan);
    if (value) values[argSpec.name] = value;
  }
  return values;
}

function isRequired(argSpec: ArgSpec, values: Record<string, Value>): boolean {
  if (argSpec.requiredWith) return argSpec.requiredWith in values;
  if (argSpec.default !== undefined || argSpec.optional) return false;
  if (argSpec.requiredUnless) return !(argSpec.requiredUnless in values);
  return true;
}

function defaultValue(
  argSpec: ArgSpec,
  spec: DefaultSpec,
  values: Record<string, Value>,
  span: Span,
): Value | undefined {
  if (typeof spec === 'boolean') return { kind: 'bool', value: spec, span };
  if (typeof spec === 'number') {
    const isFloat = argSpec.type.kind === 'float' || !Number.isInteger(spec);
    return isFloat ? { kind: 'float', value: spec, span } : { kind: 'int', value: spec, span };
  }
  if ('symbol' in spec) return { kind: 'symbol', name: spec.symbol, span };
  const other = values[spec.sameAs];
  return other && { ...other, span };
}

/** `out, kernel, stride=1, …` for help lines. */
export function signature(spec: LayerSpec): string {
  return spec.args
    .map((a) => {
      if (a.default === undefined) return a.name;
      const d = a.default;
      const shown = typeof d === 'object' ? ('symbol' in d ? d.symbol : d.sameAs) : String(d);
      return `${a.name}=${shown}`;
    })
    .join(', ');
}
