// The seam ARCHITECTURE.md describes under "Design choice": layer specs (compiler/layers/) may
// import the target and exporter helpers they write their backends with, but the IR, the passes,
// the shape arithmetic, expansion and the summary never import a target or an exporter themselves;
// they reach a layer's backends only through its spec.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { importsOf, repositoryRoot, sourceFiles } from '../helpers/layering.js';

const TARGET_FREE = [
  'compiler/ir',
  'compiler/passes',
  'compiler/shapes',
  'compiler/expand',
  'compiler/analysis',
];
const BACKENDS = ['compiler/emit/', 'compiler/export/'];

/** `file:line imports target` for each import of a backend folder from `files`. */
function backendImports(files: readonly string[], read: (file: string) => string): string[] {
  return files.flatMap((file) =>
    importsOf(read(file))
      .filter((edge) => edge.specifier.startsWith('.'))
      .map((edge) => ({
        edge,
        target: posix.normalize(posix.join(posix.dirname(file), edge.specifier)),
      }))
      .filter(({ target }) => BACKENDS.some((folder) => target.startsWith(folder)))
      .map(({ edge, target }) => `${file}:${edge.line} imports ${target}`),
  );
}

const readSource = (file: string) => readFileSync(join(repositoryRoot, file), 'utf8');

test('the IR, passes, shapes, expansion and summary import no target or exporter', (t) => {
  const files = sourceFiles(repositoryRoot, TARGET_FREE);
  t.true(files.length > 30, `${files.length} files`);
  t.deepEqual(backendImports(files, readSource), []);
});

test('the check finds such an import', (t) => {
  const text = "import { kernelCall } from '../emit/target.js';\n";
  t.deepEqual(
    backendImports(['compiler/passes/new-pass.ts'], () => text),
    ['compiler/passes/new-pass.ts:1 imports compiler/emit/target.js'],
  );
});
