// Evaluates every top-level constant once, so errors in unused constants are reported too.
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Declarations } from './declarations.js';
import { evaluateConst } from './evaluate.js';
import { Scope } from './scope.js';

export function evaluateConstants(decls: Declarations, report: (d: Diagnostic) => void): void {
  const scope = new Scope();
  for (const name of decls.consts.keys()) evaluateConst(name, { decls, scope, report });
}
