// Name checks that need the whole file: stray statements at the top level, and blocks that
// take the name of a built-in layer (calls would be ambiguous).
import type { FileAst } from '../../grammar/ast.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { lookupLayer } from '../layers/registry.js';
import type { Declarations } from './declarations.js';

export function checkBlockNames(
  root: FileAst,
  decls: Declarations,
  report: (d: Diagnostic) => void,
): void {
  for (const item of root.items) {
    if (item.kind === 'Stray')
      report(
        diagnostic('CNN1014', item.span, 'a statement outside any model or block', {
          hints: ['put layers inside `model Name { … }` or `block Name() { … }`'],
        }),
      );
  }
  for (const [name, block] of decls.blocks) {
    if (lookupLayer(name) || name === 'add' || name === 'concat')
      report(
        diagnostic(
          'CNN2028',
          block.name.span,
          `block \`${name}\` has the name of a built-in layer`,
          {
            hints: [`rename it, e.g. \`${name[0].toUpperCase()}${name.slice(1)}Block\``],
          },
        ),
      );
  }
}
