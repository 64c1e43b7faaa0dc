// The IR has one home, compiler/ir/: every importer names it there. No file elsewhere re-exports
// it (the former shims compiler/passes/graph.ts and geometry.ts did), so no second path to the
// same types can come back. The package's entry point (compiler/index.ts) is the exception: it is
// the public API, not a path inside the compiler.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { layeredFolders, repositoryRoot, sourceFiles } from '../helpers/layering.js';

/** The module specifiers under `ir/` that `text` re-exports (`export * from`, `export { … } from`). */
function irReexports(text: string): string[] {
  const file = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier) continue;
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    if (/(^|\/)ir\//.test(specifier)) found.push(specifier);
  }
  return found;
}

test('the check sees a re-export shim of the IR', (t) => {
  t.deepEqual(irReexports("export * from '../ir/opt-graph.js';\nexport const x = 1;\n"), [
    '../ir/opt-graph.js',
  ]);
  t.deepEqual(irReexports("export { sizeOf, type WindowGeometry } from '../ir/geometry.js';"), [
    '../ir/geometry.js',
  ]);
  t.deepEqual(irReexports("import { sizeOf } from '../ir/geometry.js';"), []);
});

test('no file outside compiler/ir/ re-exports the IR, and the old shims are gone', (t) => {
  const files = sourceFiles(repositoryRoot, [...layeredFolders(repositoryRoot), 'test']);
  const shims = files
    .filter((file) => !file.startsWith('compiler/ir/') && file !== 'compiler/index.ts')
    .flatMap((file) =>
      irReexports(readFileSync(join(repositoryRoot, file), 'utf8')).map(
        (specifier) => `${file} re-exports ${specifier}`,
      ),
    );
  t.deepEqual(shims, []);
  for (const old of ['compiler/passes/graph.ts', 'compiler/passes/geometry.ts'])
    t.false(existsSync(join(repositoryRoot, old)), `${old} is back; import compiler/ir/ instead`);
});
