// The import-rule check fails on forbidden imports: run with the real table of ARCHITECTURE.md
// over test/fixtures/layering/, a small tree whose forbidden imports are listed here by hand.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLayering, importsOf, readLayerTable, repositoryRoot } from '../helpers/layering.js';

const table = readLayerTable(readFileSync(join(repositoryRoot, 'ARCHITECTURE.md'), 'utf8'));
const fixture = join(repositoryRoot, 'test/fixtures/layering');
const folders = ['grammar', 'compiler', 'runtime', 'trainer', 'stray'];

test('each forbidden import of the fixture is reported with its file, line and rule', (t) => {
  const found = checkLayering(fixture, folders, table);
  const expected: [string, string, string][] = [
    ['grammar/parse.ts:2', 'grammar may import', 'imports compiler/compile.ts (layer "compiler")'],
    ['compiler/compile.ts:3', 'compiler does no IO', 'imports the IO module node:fs'],
    ['compiler/compile.ts:12', 'compiler does no IO', 'uses console.log'],
    [
      'compiler/compile.ts:4',
      'compiler may import',
      'imports runtime/kernels.ts (layer "runtime")',
    ],
    ['compiler/passes/fold.ts:3', 'compiler does no IO', 'imports the IO module esbuild'],
    [
      'compiler/passes/fold.ts:6',
      'compiler may import',
      'imports trainer/app/train.ts (layer "trainer")',
    ],
    ['compiler/passes/fold.ts:8', 'imports resolve', '`./missing.js` names no file'],
    [
      'compiler/lsp/server.ts:2',
      'language server may import',
      'imports compiler/cli/main.ts (layer "CLI")',
    ],
    [
      'runtime/kernels.ts:4',
      'runtime does only node:worker_threads',
      'imports the IO module node:child_process',
    ],
    ['runtime/kernels.ts:6', 'runtime may import', 'imports grammar/parse.ts (layer "grammar")'],
    ['trainer/app/train.ts:2', 'trainer may import', 'imports compiler/cli/main.ts (layer "CLI")'],
    ['stray/extra.ts:1', 'every file belongs to a layer', 'no layer of ARCHITECTURE.md owns'],
  ];
  const key = (where: string, rule: string, message: string) => `${where} [${rule}] ${message}`;
  const actual = found.map((v) => key(`${v.file}:${v.line}`, v.rule, v.message)).sort();
  t.is(actual.length, expected.length, actual.join('\n'));
  for (const [where, rule, message] of expected) {
    const hit = actual.find((line) => line.startsWith(`${where} [${rule}`));
    t.truthy(hit, `no violation at ${where} for "${rule}" in:\n${actual.join('\n')}`);
    t.true(hit?.includes(message), `${hit} does not say "${message}"`);
  }
});

test('the rule names the layers the importer may import', (t) => {
  const found = checkLayering(fixture, ['trainer'], table);
  t.is(found.length, 1);
  t.is(
    found[0].rule,
    'trainer may import grammar, compiler, compiler host, runtime, weights contract, ' +
      'trainer core, trainer io',
  );
});

test('imports are read by the TypeScript scanner: static, type-only, re-exports, dynamic, require', (t) => {
  const text = [
    "import a from './a.js';",
    "import type { B } from './b.js';",
    "export { c } from './c.js';",
    'const text = "import fake from \'./not-an-import.js\'";',
    "// import commented from './comment.js';",
    "const d = await import('./d.js');",
    "const e = require('node:fs');",
  ].join('\n');
  t.deepEqual(importsOf(text), [
    { specifier: './a.js', line: 1 },
    { specifier: './b.js', line: 2 },
    { specifier: './c.js', line: 3 },
    { specifier: './d.js', line: 6 },
    { specifier: 'node:fs', line: 7 },
  ]);
});
