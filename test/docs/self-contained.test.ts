// The documentation users read is complete inside the repository: it never sends them to files
// outside it (the design notes the project grew from live beside the repository, not in it), and
// what docs/language.md lists as not yet implemented is really rejected by the compiler.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import { lookupLayer } from '../../compiler/layers/registry.js';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const userDocs = ['README.md', ...markdownFiles('docs')];

test('user docs never point outside the repository', (t) => {
  const offenders = userDocs.filter((path) =>
    /\.\.\/shared|LANGUAGE\.md/.test(readFileSync(path, 'utf8')),
  );
  t.deepEqual(offenders, []);
});

test('what docs/language.md lists as not yet implemented is no layer of the registry', (t) => {
  const doc = readFileSync('docs/language.md', 'utf8');
  const start = doc.indexOf('\n## 16. Not yet implemented');
  t.true(start >= 0, 'docs/language.md has section 16');
  const rows = doc
    .slice(start)
    .split('\n')
    .filter((line) => /^\| `/.test(line));
  const names = rows.map((row) => /^\| `([a-z_]+)/.exec(row)?.[1] ?? '');
  t.true(names.length > 0);
  for (const name of names) t.is(lookupLayer(name), undefined, `\`${name}\` is implemented now`);
  // A layer of the registry is accepted; an unknown one is CNN2001.
  const source = (layer: string) => `model M {\n  input x: [4, 8, 8]\n  ${layer}\n  output y\n}\n`;
  t.deepEqual(compileSource('ok.cnn', source('groupnorm(2)')).diagnostics, []);
  const codes = compileSource('no.cnn', source('instancenorm')).diagnostics.map((d) => d.code);
  t.deepEqual(codes, ['CNN2001']);
});
