// The README's "Build a model and run it" flow, run as a new user would run it: clone the committed
// repository, `npm ci`, then the README's `sh` block verbatim. The commands, the script and its
// printed output are all read from the clone's README.md (the block after each `readme-flow`
// marker), so the README cannot drift from what works. Only committed files exist in a clone.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The repository to clone; set `CNNC_README_FLOW_REPO` to try another checkout or branch. */
const REPOSITORY = process.env.CNNC_README_FLOW_REPO ?? process.cwd();
const EXPECTED_PARAMETERS = 61706;

/** The fenced block of `language` that follows `<!-- marker -->` in `markdown`. */
function fencedBlock(markdown: string, marker: string, language: string): string | undefined {
  const pattern = new RegExp(`<!-- ${marker} -->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\``);
  return pattern.exec(markdown)?.[1];
}

/** The `sample n: …` rows of the script's output, as numbers. */
function logitRows(output: string): number[][] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('sample '))
    .map((line) =>
      line
        .replace(/^sample \d+:/, '')
        .trim()
        .split(/\s+/)
        .map(Number),
    );
}

test('the README flow runs from a clean clone', async (t) => {
  t.timeout(600_000);
  const clone = mkdtempSync(join(tmpdir(), 'cnnc-readme-'));
  t.teardown(() => rmSync(clone, { recursive: true, force: true }));
  await run('git', ['clone', '-q', REPOSITORY, clone]);
  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  const commands = fencedBlock(readme, 'readme-flow', 'sh');
  const script = fencedBlock(readme, 'readme-flow-script', 'js');
  const shown = fencedBlock(readme, 'readme-flow-output', 'text');
  if (commands === undefined || script === undefined || shown === undefined) {
    t.fail('README.md lacks the readme-flow blocks (docs/readme-build-section.md has them)');
    return;
  }
  t.is(
    script.trim(),
    readFileSync(join(clone, 'examples/run-lenet.mjs'), 'utf8').trim(),
    'the script in the README is examples/run-lenet.mjs',
  );

  // The README's "after `npm install`", done as CI does; the npm cache holds every package.
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: clone,
    maxBuffer: 64 << 20,
  });
  const flow = () => run('sh', ['-e', '-c', commands], { cwd: clone, encoding: 'utf8' });
  const { stdout } = await flow();

  const rows = logitRows(stdout);
  t.is(rows.length, 2, `two samples:\n${stdout}`);
  for (const row of rows) {
    t.is(row.length, 10, `ten logits per sample:\n${stdout}`);
    t.true(row.every(Number.isFinite), stdout);
  }
  t.regex(stdout, new RegExp(`^parameters: ${EXPECTED_PARAMETERS}$`, 'm'));
  // The output the README shows is what the script prints (to the 4 decimals it prints).
  const expected = logitRows(shown);
  t.is(expected.length, 2, 'the README shows two samples');
  rows.flat().forEach((value, idx) => {
    t.true(Math.abs(value - expected.flat()[idx]) <= 1.5e-4, `logit ${idx}: ${value}`);
  });
  t.regex(shown, new RegExp(`^parameters: ${EXPECTED_PARAMETERS}$`, 'm'));
  // Seeded weights: running the flow again prints the same.
  t.is((await flow()).stdout, stdout, 'reproducible');
});
