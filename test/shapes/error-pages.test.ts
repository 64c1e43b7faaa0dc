// Every shape code (3xxx) has a docs/errors page with the agreed layout and a golden case; each
// page's example triggers its code through the whole compiler, and its fix compiles cleanly.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { catalog } from '../../compiler/diagnostics/catalog.js';

const docsDir = fileURLToPath(new URL('../../docs/errors/', import.meta.url));
const goldenDir = fileURLToPath(new URL('../golden/diagnostics/', import.meta.url));
const goldens = readdirSync(goldenDir);
const codes = Object.keys(catalog).filter((code) =>
  /^CNN3\d{3}$/.test(code),
) as (keyof typeof catalog)[];

for (const code of codes) {
  const text = readFileSync(`${docsDir}${code}.md`, 'utf8');

  test(`${code} has a page with the agreed layout and a golden case`, (t) => {
    const lines = text.split('\n');
    t.is(lines[0], `# ${code}: ${catalog[code].slug}`);
    t.true(text.includes(`**${catalog[code].title}** (${catalog[code].severity})`));
    for (const heading of ['## What it means', '## Example', '## How to fix']) {
      t.true(lines.includes(heading), `${heading} is missing`);
    }
    const golden = `${catalog[code].slug}.cnn`;
    t.true(goldens.includes(golden), `test/golden/diagnostics/${golden} is missing`);
  });

  const [bad, good] = [...text.matchAll(/```cnn\n([\s\S]*?)```/g)].map((match) => match[1]);
  test(`the example of ${code} gives it and no other error, and its fix compiles cleanly`, (t) => {
    const found = compileSource(`${code}.cnn`, bad).diagnostics;
    t.deepEqual(
      found.filter((d) => d.code === code || d.severity === 'error').map((d) => d.code),
      [code],
    );
    const fixed = compileSource(`${code}-fixed.cnn`, good).diagnostics;
    t.deepEqual(
      fixed.map((d) => `${d.code}: ${d.message}`),
      [],
    );
  });
}
