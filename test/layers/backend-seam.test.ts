// The seam ARCHITECTURE.md describes under "Design choice": layer specs (compiler/layers/) may
// import the target and exporter helpers they write their backends with, but the IR, the passes,
// the shape arithmetic, expansion and the summary never import a target or an exporter themselves;
// they reach a layer's backends only through its spec. And code outside compiler/layers/ imports
// the registry and its helpers, never a family file, so the registry loads the family files first
// (a family file loaded first would have the registry read its specs before they exist).
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

/** What code outside compiler/layers/ may import from it. */
const LAYER_ENTRIES = ['registry', 'args', 'params', 'types'].map(
  (name) => `compiler/layers/${name}.js`,
);

/** `file:line imports target` for each import of a layer file other than the entries. */
function familyImports(files: readonly string[], read: (file: string) => string): string[] {
  return files
    .filter((file) => !file.startsWith('compiler/layers/'))
    .flatMap((file) =>
      importsOf(read(file))
        .filter((edge) => edge.specifier.startsWith('.'))
        .map((edge) => ({
          edge,
          target: posix.normalize(posix.join(posix.dirname(file), edge.specifier)),
        }))
        .filter(
          ({ target }) => target.startsWith('compiler/layers/') && !LAYER_ENTRIES.includes(target),
        )
        .map(({ edge, target }) => `${file}:${edge.line} imports ${target}`),
    );
}

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

test('outside compiler/layers/, only the registry, args, params and types are imported', (t) => {
  const files = sourceFiles(repositoryRoot, ['compiler', 'trainer', 'runtime', 'scripts', 'test']);
  t.true(files.length > 300, `${files.length} files`);
  t.deepEqual(familyImports(files, readSource), []);
});

test('the check finds an import of a family file', (t) => {
  const text = "import * as activations from '../../compiler/layers/activation.js';\n";
  t.deepEqual(
    familyImports(['trainer/app/stages.ts'], () => text),
    ['trainer/app/stages.ts:1 imports compiler/layers/activation.js'],
  );
});
