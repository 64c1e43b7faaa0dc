// Every syntax (1xxx) and name (2xxx) code has a page in docs/errors/ with the agreed layout:
// a `# CNNxxxx: slug` title, what the code means, an example and how to fix it.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { catalog } from '../../compiler/diagnostics/catalog.js';

const docsDir = fileURLToPath(new URL('../../docs/errors/', import.meta.url));
const pages = new Set(readdirSync(docsDir));
const codes = Object.keys(catalog).filter((code) =>
  /^CNN[12]\d{3}$/.test(code),
) as (keyof typeof catalog)[];

for (const code of codes) {
  test(`${code} has a page with the agreed layout`, (t) => {
    t.true(pages.has(`${code}.md`), `docs/errors/${code}.md is missing`);
    const text = readFileSync(`${docsDir}${code}.md`, 'utf8');
    const lines = text.split('\n');
    t.is(lines[0], `# ${code}: ${catalog[code].slug}`);
    t.true(text.includes(`**${catalog[code].title}** (${catalog[code].severity})`));
    for (const heading of ['## What it means', '## Example', '## How to fix']) {
      t.true(lines.includes(heading), `${heading} is missing`);
    }
    t.regex(text, /```(cnn|console)\n[\s\S]+?\n```/);
  });
}

test('no page documents a code that is not in the catalog', (t) => {
  const stray = [...pages].filter(
    (name) => /^CNN[12]\d{3}\.md$/.test(name) && !(name.slice(0, 7) in catalog),
  );
  t.deepEqual(stray, []);
});

// The examples must stay true to the compiler: each page's first `cnn` block triggers its code,
// and its second (the fix) compiles without errors. Pages whose examples span several files, or
// that need the file system, are left out.
const multiFile = new Set(['CNN1003', 'CNN2015', 'CNN2016']);

for (const code of codes.filter((c) => !multiFile.has(c))) {
  const text = readFileSync(`${docsDir}${code}.md`, 'utf8');
  const [bad, good] = [...text.matchAll(/```cnn\n([\s\S]*?)```/g)].map((match) => match[1]);
  if (bad === undefined || text.includes('```console')) continue;
  test(`the example of ${code} triggers it and its fix compiles`, (t) => {
    const found = compileSource(`${code}.cnn`, bad).diagnostics.map((d) => d.code);
    t.true(found.includes(code), `the example gives ${found.join(', ') || 'no diagnostics'}`);
    if (good !== undefined) {
      const errors = compileSource(`${code}-fixed.cnn`, good).diagnostics.filter(
        (d) => d.severity === 'error',
      );
      t.deepEqual(
        errors.map((d) => `${d.code}: ${d.message}`),
        [],
      );
    }
  });
}
