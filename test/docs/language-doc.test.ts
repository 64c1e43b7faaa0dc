// docs/language.md agrees with the compiler: every ```cnn block is a complete file that checks
// without errors.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { compileSource } from '../../compiler/compile.js';

const doc = readFileSync('docs/language.md', 'utf8');
const blocks = [...doc.matchAll(/```cnn\n([\s\S]*?)```/g)].map((match) => match[1]);

test('docs/language.md has cnn examples', (t) => {
  t.true(blocks.length >= 10, `only ${blocks.length} blocks`);
});

blocks.forEach((block, idx) => {
  const line = doc.slice(0, doc.indexOf(block)).split('\n').length;
  test(`docs/language.md block ${idx + 1} (line ${line}) checks without errors`, (t) => {
    const { diagnostics } = compileSource(`language.md:${line}`, block);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    t.deepEqual(
      errors.map((d) => `${d.code} ${d.message}`),
      [],
    );
  });
});
