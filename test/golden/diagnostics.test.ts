// Golden diagnostic tests: each test/golden/diagnostics/<case>.cnn is checked as `cnnc check`
// would, and the rendered report must equal <case>.diag.txt. Cases may set a smaller size
// limit with a first line `// golden: max-bytes=N`, or be built (for 4xxx codes, which only
// `cnnc build` raises) with a first line `// golden: build` (`// golden: build --emit onnx` exports).
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBuild, type BuildCliOptions } from '../../compiler/cli/build.js';
import { runCheck } from '../../compiler/cli/check.js';
import type { Io } from '../../compiler/host/io.js';
import { catalog } from '../../compiler/diagnostics/catalog.js';
import { compareGolden } from '../helpers/golden.js';

const dir = 'test/golden/diagnostics';
const cases = readdirSync(dir)
  .filter((name) => name.endsWith('.cnn'))
  .sort();

// A fixed, git-ignored folder, so that the `built … → path` line is the same on every machine.
const buildDir = 'build/golden-diagnostics';

/** Runs `cnnc check` on the case, or `cnnc build` when it starts with `// golden: build`. */
async function check(file: string): Promise<string> {
  const lines: string[] = [];
  const io: Io = { out: (s) => lines.push(s), err: (s) => lines.push(s), color: false };
  const head = readFileSync(file).subarray(0, 80).toString('latin1');
  const maxBytes = /^\/\/ golden: max-bytes=(\d+)/.exec(head)?.[1];
  const options = { format: 'text' as const, denyWarnings: false, maxSourceBytes: maxBytes ? Number(maxBytes) : undefined };
  const code = head.startsWith('// golden: build')
    ? await runBuild(file, { ...buildDefaults, emit: head.startsWith('// golden: build --emit onnx') ? 'onnx' : 'ts', out: buildDir }, io)
    : runCheck([file], options, io);
  return `${lines.join('\n')}\nexit code ${code}\n`;
}

const buildDefaults: BuildCliOptions = {
  out: '',
  target: 'node',
  emit: 'ts',
  optLevel: '2',
  conv: 'auto',
  explainOpt: false,
};

test('the corpus has at least 40 cases', (t) => {
  t.true(cases.length >= 40, `only ${cases.length} cases`);
});

for (const name of cases) {
  test(`golden ${name}`, async (t) => {
    const file = join(dir, name);
    compareGolden(t, file.replace(/\.cnn$/, '.diag.txt'), await check(file));
  });
}

test('every catalog code has a golden case and a docs/errors page', (t) => {
  const reports = cases.map((name) => readFileSync(join(dir, name.replace(/\.cnn$/, '.diag.txt')), 'utf8')).join('\n');
  const pages = new Set(readdirSync('docs/errors'));
  const missingCase = Object.keys(catalog).filter((code) => !reports.includes(`[${code}]`));
  const missingPage = Object.keys(catalog).filter((code) => !pages.has(`${code}.md`));
  t.deepEqual(missingCase, [], 'codes without a golden case');
  t.deepEqual(missingPage, [], 'codes without a docs/errors page');
});

test('catalog codes and slugs are unique and well-formed', (t) => {
  const slugs = Object.values(catalog).map((entry) => entry.slug);
  t.is(new Set(slugs).size, slugs.length);
  for (const code of Object.keys(catalog)) t.regex(code, /^CNN[1-4]\d{3}$/);
});
