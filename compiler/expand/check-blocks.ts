// Checks of blocks that need no evaluation: recursion between blocks (on the static call graph,
// reported once per cycle), and, for blocks no model calls, unknown layers and argument names.
// Blocks that a model calls are checked in full when they are expanded.
import type { BlockItem } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { layerNames, lookupLayer } from '../layers/registry.js';
import { suggest } from '../util/edit-distance.js';
import { callDepthDiagnostic, MAX_CALL_DEPTH } from './context.js';
import type { Declarations } from './declarations.js';
import { callsIn, letNamesIn } from './walk.js';

/** Reports each cycle of block calls once, at the call that closes it. */
export function checkRecursion(decls: Declarations, report: (d: Diagnostic) => void): void {
  const state = new Map<string, 'active' | 'done'>();
  const reported = new Set<string>();
  const visit = (block: BlockItem, stack: string[]): void => {
    state.set(block.name.name, 'active');
    for (const call of callsIn(block.body)) {
      const callee = decls.blocks.get(call.callee.name);
      if (!callee) continue;
      const calleeState = state.get(callee.name.name);
      if (calleeState === 'active') {
        const cycle = [...stack.slice(stack.indexOf(callee.name.name)), callee.name.name];
        const key = [...new Set(cycle)].sort().join(',');
        if (reported.has(key)) continue;
        reported.add(key);
        report(
          diagnostic(
            'CNN2009',
            call.callee.span,
            `block \`${callee.name.name}\` calls itself: ${cycle.map((n) => `\`${n}\``).join(' → ')}`,
            {
              labels: [{ span: callee.name.span, message: 'block defined here' }],
              hints: ['a model is a finite graph: unroll with `repeat` or `for` instead'],
            },
          ),
        );
      } else if (calleeState === undefined && stack.length >= MAX_CALL_DEPTH) {
        // Deeper chains are refused (CNN2029); stopping here also bounds this walk's stack.
        if (!decls.tooDeepReported) report(callDepthDiagnostic(call));
        decls.tooDeepReported = true;
      } else if (calleeState === undefined) visit(callee, [...stack, callee.name.name]);
    }
    state.set(block.name.name, 'done');
  };
  for (const block of decls.blocks.values())
    if (!state.has(block.name.name)) visit(block, [block.name.name]);
}

/** Unknown layers and argument names in a block that no model expands. */
export function checkUncalledBlock(
  block: BlockItem,
  decls: Declarations,
  report: (d: Diagnostic) => void,
): void {
  const lets = letNamesIn(block.body);
  for (const call of callsIn(block.body)) {
    const name = call.callee.name;
    if (decls.blocks.has(name) || lets.has(name) || name === 'add' || name === 'concat') continue;
    const spec = lookupLayer(name);
    if (!spec) {
      const guess = suggest(name, [...layerNames(), ...decls.blocks.keys(), ...lets]);
      report(
        diagnostic('CNN2001', call.callee.span, `unknown layer or block \`${name}\``, {
          hints: [
            guess ? `did you mean \`${guess}\`?` : 'see `docs/language.md` for the list of layers',
          ],
        }),
      );
      continue;
    }
    const params = spec.args.map((a) => a.name);
    for (const arg of call.args?.args ?? []) {
      if (!arg.name || params.includes(arg.name.name)) continue;
      const guess = suggest(arg.name.name, params);
      const hint = guess
        ? `did you mean \`${guess}\`?`
        : params.length
          ? `its arguments are ${params.map((p) => `\`${p}\``).join(', ')}`
          : `\`${name}\` takes no arguments`;
      report(
        diagnostic('CNN2002', arg.name.span, `\`${name}\` has no argument \`${arg.name.name}\``, {
          hints: [hint],
        }),
      );
    }
  }
}
