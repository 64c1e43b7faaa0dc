import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explainCode } from '../../compiler/cli/explain.js';

const docsDir = fileURLToPath(new URL('../../docs/errors/', import.meta.url));

const found: [query: string, title: string][] = [
  ['CNN2001', '# CNN2001: unknown-layer'],
  ['cnn2001', '# CNN2001: unknown-layer'],
  ['  CNN2001 ', '# CNN2001: unknown-layer'],
  ['2001', '# CNN2001: unknown-layer'],
  ['unknown-layer', '# CNN2001: unknown-layer'],
  ['Unknown-Layer', '# CNN2001: unknown-layer'],
  ['CNN1020', '# CNN1020: empty-file'],
];

for (const [query, title] of found) {
  test(`explain ${JSON.stringify(query)} prints its page`, (t) => {
    const result = explainCode(query, docsDir);
    t.true(result.ok);
    if (result.ok) t.is(result.text.split('\n')[0], title);
  });
}

const unknown: [query: string, message: string][] = [
  ['CNN2100', 'unknown diagnostic code `CNN2100`; did you mean `CNN2010`?'],
  ['cnn1200', 'unknown diagnostic code `cnn1200`; did you mean `CNN1020`?'],
  ['unknown-layr', 'unknown diagnostic code `unknown-layr`; did you mean `unknown-layer`?'],
  ['E0308', 'unknown diagnostic code `E0308`'],
  ['', 'unknown diagnostic code an empty code'],
];

for (const [query, message] of unknown) {
  test(`explain ${JSON.stringify(query)} fails with a suggestion when one is close`, (t) => {
    t.deepEqual(explainCode(query, docsDir), { ok: false, message });
  });
}

test('a missing docs folder is one clear message, not an exception', (t) => {
  const missing = join(tmpdir(), 'cnnc-no-such-folder', 'errors');
  t.deepEqual(explainCode('CNN2001', missing), {
    ok: false,
    message: `cannot read the error pages in ${missing}: no such file or directory`,
  });
});

test('a catalog code without a page says so; page names match case-insensitively', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnc-explain-'));
  writeFileSync(join(dir, 'cnn1001.md'), '# CNN1001: unexpected-character\n');
  mkdirSync(join(dir, 'CNN1002.md'));
  t.deepEqual(explainCode('CNN1001', dir), { ok: true, text: '# CNN1001: unexpected-character\n' });
  t.deepEqual(explainCode('CNN2001', dir), {
    ok: false,
    message: `\`CNN2001\` has no page in ${dir}`,
  });
  const unreadable = explainCode('CNN1002', dir);
  t.false(unreadable.ok);
});
