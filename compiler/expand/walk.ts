// Walks the statements of a body, nested bodies included, for checks that need no evaluation.
import type { Body, CallElement, Statement } from '../../grammar/ast.js';

function bodiesOf(statement: Statement): Body[] {
  switch (statement.kind) {
    case 'Repeat':
    case 'For':
    case 'Dense':
      return [statement.body];
    case 'If': {
      const bodies = [statement.then];
      const otherwise = statement.else;
      if (otherwise && 'kind' in otherwise) bodies.push(...bodiesOf(otherwise));
      else if (otherwise) bodies.push(otherwise);
      return bodies;
    }
    case 'Residual':
      return statement.shortcut ? [statement.body, statement.shortcut.body] : [statement.body];
    case 'Branches':
      return statement.branches.map((b) => b.body);
    default:
      return [];
  }
}

/** Every call element (`conv(…)`, `relu`, `Basic(64)`, a value name) in `body`, in order. */
export function callsIn(body: Body): CallElement[] {
  const calls: CallElement[] = [];
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      const pipe =
        statement.kind === 'Pipe' || statement.kind === 'Let'
          ? statement.pipe
          : statement.kind === 'Output'
            ? statement.pipe
            : undefined;
      for (const element of pipe?.elements ?? []) if (element.kind === 'Call') calls.push(element);
      for (const nested of bodiesOf(statement)) visit(nested.statements);
    }
  };
  visit(body.statements);
  return calls;
}

/** Every name bound by `let` anywhere in `body`. */
export function letNamesIn(body: Body): Set<string> {
  const names = new Set<string>();
  const visit = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if (statement.kind === 'Let') names.add(statement.name.name);
      for (const nested of bodiesOf(statement)) visit(nested.statements);
    }
  };
  visit(body.statements);
  return names;
}
