// Every example builds, as an inference module (the default) and with its training half
// (`--train`); three are golden (compared byte for byte with test/golden/emit/: `<name>.ts` the
// training build, `<name>.infer.ts` the inference one), and all emitted modules type-check
// together in one `tsc --noEmit --strict` run against the runtime sources and are lint-clean under
// the repository's eslint config (as any source file; build/ is only ignored for `npm run lint`).
// Building twice gives the same bytes.
import test from 'ava';
import { ESLint } from 'eslint';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileSource } from '../../compiler/compile.js';
import { buildModel } from '../../compiler/emit/build-module.js';
import { compareGolden } from '../helpers/golden.js';

const OUT = 'build/test-examples';
const GOLDEN = new Set(['lenet5', 'mnist_mlp', 'fashion_cnn']);
const examples = readdirSync('examples')
  .filter((name) => name.endsWith('.cnn'))
  .sort();

async function buildExample(name: string, training = false): Promise<string[]> {
  const file = `examples/${name}`;
  const compiled = compileSource(file, readFileSync(file, 'utf8'));
  const codes: string[] = [];
  for (const model of compiled.program.models) {
    const built = await buildModel(model, {
      level: 2,
      conv: 'auto',
      emit: 'ts',
      source: file,
      texts: compiled.texts,
      verify: true,
      training,
    });
    if (!built.code)
      throw new Error(`${name}: ${built.diagnostics.map((d) => d.message).join('; ')}`);
    codes.push(built.code);
  }
  return codes;
}

test('every example builds, the goldens match, and all modules type-check under strict', async (t) => {
  mkdirSync(OUT, { recursive: true });
  const files: string[] = [];
  for (const name of examples) {
    const stem = name.replace(/\.cnn$/, '');
    const codes = await buildExample(name);
    const trainCodes = await buildExample(name, true);
    const write = (code: string, path: string) => (writeFileSync(path, code), files.push(path));
    codes.forEach((code, idx) => write(code, join(OUT, `${stem}${idx > 0 ? `-${idx}` : ''}.ts`)));
    trainCodes.forEach((code, idx) =>
      write(code, join(OUT, `${stem}${idx > 0 ? `-${idx}` : ''}.train.ts`)),
    );
    t.false(codes[0].includes('trainStep'), `${stem}: the default build has no training half`);
    t.true(trainCodes[0].includes('trainStep'), `${stem}: the training build has one`);
    if (GOLDEN.has(stem)) {
      compareGolden(t, `test/golden/emit/${stem}.infer.ts`, codes[0]);
      compareGolden(t, `test/golden/emit/${stem}.ts`, trainCodes[0]);
    }
  }
  t.deepEqual(
    await buildExample('lenet5.cnn'),
    [readFileSync(join(OUT, 'lenet5.ts'), 'utf8')],
    'deterministic',
  );
  const config = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      skipLibCheck: true,
      types: ['node'],
      paths: { 'cnnc/runtime': [resolve('runtime/index.ts')] },
    },
    files: files.map((file) => resolve(file)),
  };
  writeFileSync(join(OUT, 'tsconfig.json'), JSON.stringify(config, null, 2));
  try {
    execFileSync('npx', ['tsc', '-p', join(OUT, 'tsconfig.json')], { encoding: 'utf8' });
    t.pass();
  } catch (error) {
    t.fail(String((error as { stdout?: string }).stdout ?? error));
  }
  const eslint = new ESLint({ ignore: false });
  const results = await eslint.lintFiles(files);
  const problems = results.flatMap((result) =>
    result.messages.map(
      (message) =>
        `${result.filePath}:${message.line}:${message.column} ${message.message} (${message.ruleId})`,
    ),
  );
  t.deepEqual(problems, [], 'generated modules are lint-clean');
});
