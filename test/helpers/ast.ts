// Compares ASTs without positions: what the formatter must preserve.
import type { FileAst } from '../../grammar/ast.js';

/** The AST as plain data, without spans, raw number text or comments. */
export function structureOf(ast: FileAst): unknown {
  return JSON.parse(
    JSON.stringify(ast, (key, value: unknown) => {
      if (key.endsWith('pan') || key === 'span' || key === 'comments' || key === 'file')
        return undefined;
      return value;
    }),
  );
}
