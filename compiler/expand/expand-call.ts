// Pipes and calls: `a -> conv(8, 3) -> relu`, block calls (with recursion checks), layer calls
// and the joins `add(a, b)` / `concat(a, b)`.
import type { BlockItem, CallElement, Pipe } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { NodeId } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { layerNames, lookupLayer } from '../layers/registry.js';
import type { LayerSpec } from '../layers/types.js';
import type { LayerName } from '../layers/registry.js';
import { suggest } from '../util/edit-distance.js';
import { bindLayerArgs, matchArguments } from './bind-args.js';
import {
  addNode,
  BROKEN,
  type BodyCtx,
  callDepthDiagnostic,
  type Current,
  enter,
  evalEnv,
  isNode,
  leave,
  MAX_CALL_DEPTH,
  NONE,
  step,
} from './context.js';
import { evaluate } from './evaluate.js';
import { expandBody, reportUnusedLets } from './expand-body.js';
import { Scope } from './scope.js';

/** Expands a pipe starting from `current`; returns the new current value. */
export function expandPipe(pipe: Pipe, ctx: BodyCtx, current: Current): Current {
  let cur = current;
  for (let idx = 0; idx < pipe.elements.length; idx++) {
    const element = pipe.elements[idx];
    if (!step(ctx, element.span)) return BROKEN;
    if (element.kind === 'In') {
      if (idx > 0) {
        ctx.builder.report(diagnostic('CNN2017', element.span, '`in` can only start a pipe'));
        cur = BROKEN;
      } else cur = inValue(ctx, element.span);
      continue;
    }
    cur = expandCall(element, ctx, cur, idx === 0);
  }
  return cur;
}

function inValue(ctx: BodyCtx, span: Pipe['span']): Current {
  if (ctx.inNode !== NONE) return ctx.inNode;
  ctx.builder.report(
    diagnostic(
      'CNN2019',
      span,
      '`in` is only defined inside a block, `residual`, `shortcut`, `branch` or `dense` body',
      {
        hints: ['in a model, name the input: `input x: [3, 32, 32]`, then use `x`'],
      },
    ),
  );
  return BROKEN;
}

function expandCall(call: CallElement, ctx: BodyCtx, cur: Current, first: boolean): Current {
  const name = call.callee.name;
  const binding = ctx.scope.lookupValue(name);
  if (binding && !call.args) {
    binding.used = true;
    if (first) return binding.node ?? BROKEN;
    ctx.builder.report(
      diagnostic('CNN2017', call.span, `\`${name}\` names a value, not a layer`, {
        hints: [
          `start a new statement from it (\`${name} -> …\`), or join with \`add\`/\`concat\``,
        ],
      }),
    );
    return BROKEN;
  }
  if (name === 'add' || name === 'concat')
    return expandJoin(name, call, ctx, first ? undefined : cur);
  const block = ctx.builder.decls.blocks.get(name);
  if (block) return expandBlockCall(block, call, ctx, cur);
  const spec = lookupLayer(name);
  if (spec) return expandLayer(spec, call, ctx, cur);
  const candidates = [
    ...layerNames(),
    ...ctx.builder.decls.blocks.keys(),
    ...ctx.scope.visibleNames(),
  ];
  const guess = suggest(name, candidates);
  ctx.builder.report(
    diagnostic('CNN2001', call.callee.span, `unknown layer or block \`${name}\``, {
      hints: [
        guess ? `did you mean \`${guess}\`?` : 'see `docs/language.md` for the list of layers',
      ],
    }),
  );
  return BROKEN;
}

function missingInput(ctx: BodyCtx, call: CallElement): Current {
  ctx.builder.report(
    diagnostic('CNN2010', call.span, `\`${call.callee.name}\` has no input`, {
      hints: ['declare the model input first: `input x: [channels, height, width]`'],
    }),
  );
  return BROKEN;
}

function expandLayer(
  spec: LayerSpec<LayerName>,
  call: CallElement,
  ctx: BodyCtx,
  cur: Current,
): Current {
  const args = bindLayerArgs(spec, call.callee.name, call.args, call.span, evalEnv(ctx));
  if (!args || cur === BROKEN) return BROKEN;
  if (cur === NONE) return missingInput(ctx, call);
  return addNode(ctx, spec.name, [cur], args, call.span);
}

/** `add(a, b)` joins named values; after `->`, the piped value is the first operand. */
function expandJoin(
  op: 'add' | 'concat',
  call: CallElement,
  ctx: BodyCtx,
  piped?: Current,
): Current {
  const operands: Current[] = piped === undefined ? [] : [piped];
  let ok = true;
  for (const arg of call.args?.args ?? []) {
    const value = arg.value;
    if (value.kind === 'InValue') operands.push(inValue(ctx, value.span));
    else if (value.kind === 'Name' && !arg.name && ctx.scope.lookupValue(value.name)) {
      const binding = ctx.scope.lookupValue(value.name)!;
      binding.used = true;
      operands.push(binding.node ?? BROKEN);
    } else if (
      value.kind === 'Name' &&
      !arg.name &&
      evalEnv(ctx).scope.lookupConstant(value.name)
    ) {
      ctx.builder.report(
        diagnostic(
          'CNN2017',
          arg.span,
          `\`${value.name}\` is a compile-time number, not a value of the graph`,
          {
            hints: [`\`${op}\` joins values bound by \`let\` or \`input\``],
          },
        ),
      );
      ok = false;
    } else {
      const what =
        value.kind === 'Name' ? `unknown value \`${value.name}\`` : 'expected the name of a value';
      const guess =
        value.kind === 'Name' ? suggest(value.name, ctx.scope.visibleNames()) : undefined;
      ctx.builder.report(
        diagnostic(
          value.kind === 'Name' ? 'CNN2003' : 'CNN2017',
          arg.span,
          `${what} in \`${op}\``,
          {
            hints: [
              guess
                ? `did you mean \`${guess}\`?`
                : 'bind values with `let name = …` and join them by name',
            ],
          },
        ),
      );
      ok = false;
    }
  }
  if (!ok) return BROKEN;
  if (operands.length < 2) {
    ctx.builder.report(
      diagnostic(
        'CNN2005',
        call.span,
        `\`${op}\` needs at least two values, found ${operands.length}`,
        {
          hints: [`\`${op}(a, b)\` with values bound by \`let\``],
        },
      ),
    );
    return BROKEN;
  }
  if (operands.some((o) => !isNode(o))) return BROKEN;
  return addNode(ctx, op, operands as NodeId[], {}, call.span);
}

function expandBlockCall(block: BlockItem, call: CallElement, ctx: BodyCtx, cur: Current): Current {
  const builder = ctx.builder;
  const name = block.name.name;
  if (!call.args) {
    builder.report(
      diagnostic('CNN2023', call.span, `block \`${name}\` must be called with parentheses`, {
        hints: [`write \`${name}(${block.params.length === 0 ? '' : '…'})\``],
        fixes:
          block.params.length === 0
            ? [{ message: `write \`${name}()\``, span: call.span, replacement: `${name}()` }]
            : [],
      }),
    );
    return BROKEN;
  }
  if (builder.callStack.includes(name)) return reportRecursion();
  if (builder.callStack.length >= MAX_CALL_DEPTH) return reportCallDepth(ctx, call);
  builder.expandedBlocks.add(name);
  const scope = bindBlockParams(block, call, ctx);
  if (!scope || cur === BROKEN) return BROKEN;
  if (cur === NONE) return missingInput(ctx, call);
  const index = nextCallIndex(ctx, name);
  const inner: BodyCtx = {
    builder,
    scope,
    inNode: cur,
    path: [...ctx.path, { kind: 'block', name, index, span: call.span }],
  };
  if (!enter(ctx, call.span)) return BROKEN;
  builder.callStack.push(name);
  const result = expandBody(block.body.statements, inner, cur);
  builder.callStack.pop();
  leave(ctx);
  if (!builder.halted) reportUnusedLets(scope, builder.report);
  return result;
}

/** Too deep a chain of calls; reported once (also by the static check of check-blocks.ts). */
function reportCallDepth(ctx: BodyCtx, call: CallElement): Current {
  const decls = ctx.builder.decls;
  if (!decls.tooDeepReported) ctx.builder.report(callDepthDiagnostic(call));
  decls.tooDeepReported = true;
  ctx.builder.halted = true;
  return BROKEN;
}

/** Recursion was reported on the static call graph (check-blocks.ts); stop expanding here. */
function reportRecursion(): Current {
  return BROKEN;
}

/** Evaluates a block call's arguments and defaults into a fresh, isolated scope. */
function bindBlockParams(block: BlockItem, call: CallElement, ctx: BodyCtx): Scope | undefined {
  const env = evalEnv(ctx);
  const names = block.params.map((p) => p.name.name);
  const matched = matchArguments(block.name.name, names, call.args, env);
  if (!matched) return undefined;
  const scope = new Scope(ctx.scope.root(), true);
  const missing: string[] = [];
  let ok = true;
  for (const param of block.params) {
    const written = matched.get(param.name.name);
    let value: Value | undefined;
    if (written) value = evaluate(written.arg.value, env);
    else if (param.default)
      value = evaluate(param.default, { ...env, scope, inNode: undefined, inBroken: false });
    else missing.push(param.name.name);
    if (value) scope.constants.set(param.name.name, value);
    else ok = false;
  }
  if (missing.length > 0) {
    const list = missing.map((n) => `\`${n}\``).join(' and ');
    ctx.builder.report(
      diagnostic(
        'CNN2005',
        call.span,
        `block \`${block.name.name}\` is missing ${missing.length === 1 ? 'argument' : 'arguments'} ${list}`,
        {
          labels: [{ span: block.paramsSpan, message: 'parameters declared here' }],
        },
      ),
    );
  }
  return ok ? scope : undefined;
}

/** The n-th call of block `name` under the same parent path (0 for the first): `Basic[2]`. */
function nextCallIndex(ctx: BodyCtx, name: string): number {
  const key = `${ctx.path.map((step) => `${step.kind}:${step.name}:${step.index}`).join('/')}|${name}`;
  const index = ctx.builder.callCounts.get(key) ?? 0;
  ctx.builder.callCounts.set(key, index + 1);
  return index;
}
