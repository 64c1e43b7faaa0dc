// Property tests over 10,000 generated or mutated sources per run: parsing and checking never
// throw, every diagnostic has a catalog code and a span inside the file, and formatting is
// idempotent on whatever parses.
import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import { catalog } from '../../compiler/diagnostics/catalog.js';
import { formatSource } from '../../compiler/format/format.js';
import { parse } from '../../grammar/parse.js';

const seedDirs = ['examples', 'test/golden/diagnostics', 'test/golden/format'];
const seeds = seedDirs
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((n) => n.endsWith('.cnn'))
      .map((n) => join(dir, n)),
  )
  .map((file) => readFileSync(file, 'utf8'))
  .filter((text) => text.length > 0 && text.length < 2500);

const vocabulary = [
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  ';',
  ':',
  '=',
  '==',
  '->',
  '..',
  '.',
  '\n',
  ' ',
  '+',
  '-',
  '*',
  '/',
  'conv(',
  'relu',
  'model M {',
  'block B(c = 1) {',
  'residual {',
  '} shortcut if ',
  'concat {',
  'branch {',
  'dense {',
  'repeat 2 {',
  'for i in 0..3 {',
  'if ',
  'else',
  'let a = ',
  'input x: [3, 8, 8]',
  'output y',
  'in.channels',
  'in',
  'add(a, in)',
  'flatten',
  'linear(10)',
  'maxpool(2)',
  'pad=same',
  'stride=2',
  '1e-4',
  '3',
  '0',
  '-1',
  '2.5',
  '1e',
  '"',
  '/*',
  '*/',
  '//',
  'é',
  '\t',
  'const K = 4',
  'train M {',
  'optimizer = adam(lr=0.1)',
  'true',
  'not',
  'and',
  'B()',
  'K',
  ': [8, 8, 8]',
  'import "x.cnn"',
];

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(...vocabulary),
  }),
  fc.record({
    kind: fc.constant('char' as const),
    at: fc.nat(),
    text: fc.string({ maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('line' as const), at: fc.nat(), to: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.kind === 'insert' || m.kind === 'char')
      out = out.slice(0, at) + m.text + out.slice(at);
    else {
      const lines = out.split('\n');
      const from = m.at % lines.length;
      const to = m.to % lines.length;
      lines.splice(to, 0, lines[from]);
      out = lines.join('\n');
    }
  }
  return out;
}

const mutated = fc
  .record({
    seed: fc.constantFrom(...seeds),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 5 }),
  })
  .map(({ seed, mutations }) => mutate(seed, mutations));

const generated = fc
  .array(fc.constantFrom(...vocabulary), { maxLength: 60 })
  .map((tokens) => tokens.join(' '));

/**
 * `npm test` runs fixed seeds, so a run that passes keeps passing; `npm run fuzz` draws fresh
 * seeds (and `CNNC_FUZZ_SEED=n` replays one). A failing seed becomes a regression test.
 */
const seed =
  process.env.CNNC_FUZZ_SEED !== undefined
    ? { seed: Number(process.env.CNNC_FUZZ_SEED) }
    : process.env.CNNC_FUZZ === 'random'
      ? {}
      : { seed: 20261121 };

function checkSource(text: string): void {
  const { diagnostics } = compileSource('fuzz.cnn', text);
  for (const d of diagnostics) {
    if (!(d.code in catalog)) throw new Error(`unknown code ${d.code}`);
    const spans = [d.span, ...d.labels.map((l) => l.span), ...d.fixes.map((f) => f.span)];
    for (const span of spans) {
      if (span.file !== 'fuzz.cnn') continue;
      if (!(span.start >= 0 && span.start <= span.end && span.end <= text.length))
        throw new Error(
          `${d.code} span ${span.start}-${span.end} outside a file of ${text.length}`,
        );
    }
  }
  if (parse(text, 'fuzz.cnn').problems.length > 0) return;
  const once = formatSource(text, 'fuzz.cnn');
  if (!once.ok) throw new Error('a file that parses did not format');
  const twice = formatSource(once.text, 'fuzz.cnn');
  if (!twice.ok || twice.text !== once.text) throw new Error('formatting is not idempotent');
}

test('7,000 mutated sources: no exception, spans inside the file, formatting idempotent', (t) => {
  fc.assert(
    fc.property(mutated, (text) => checkSource(text)),
    { numRuns: 7000, ...seed },
  );
  t.pass();
});

test('3,000 generated sources: no exception, spans inside the file, formatting idempotent', (t) => {
  fc.assert(
    fc.property(generated, (text) => checkSource(text)),
    { numRuns: 3000, ...seed },
  );
  t.pass();
});
