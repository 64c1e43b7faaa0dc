// The documentation users read is complete inside the repository: it never sends them to files
// outside it (the design notes the project grew from live beside the repository, not in it), and
// what docs/language.md lists as not yet implemented is really rejected by the compiler.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../compiler/compile.js';

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

test('what docs/language.md lists as not yet implemented is rejected with a code', (t) => {
  const source = [
    'model M {',
    '  input x: [3, 8, 8]',
    '  upsample(2)',
    '  groupnorm(1)',
    '  flatten',
    '  fc(2)',
    '  output y',
    '}',
  ].join('\n');
  const codes = compileSource('reserved.cnn', source).diagnostics.map((d) => d.code);
  t.deepEqual(codes, ['CNN2001', 'CNN2001']);
  const doc = readFileSync('docs/language.md', 'utf8');
  for (const name of ['groupnorm', 'upsample']) {
    t.true(doc.includes(`\`${name}`), `docs/language.md §16 lists ${name}`);
  }
});
