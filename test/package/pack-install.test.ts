// The package as a new user gets it: `npm pack` of the repository, installed into a fresh folder
// outside it (no repository file reachable), where the README's "Install it in your own project"
// blocks run verbatim: `cnnc check`, `cnnc build` and a generated module's `forward`, in plain
// JavaScript (a `commonjs` project, as `npm init -y` writes) and in TypeScript under `tsc --strict`,
// and the browser build (esbuild, installed without its install script).
// The only change to the README's commands: `npm install cnnc` installs the tarball, and npm is
// asked to prefer its cache (CI ran `npm ci`, so every tarball is cached).
import test from 'ava';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const NPM_FLAGS = '--prefer-offline --no-audit --no-fund';

/** The fenced block of `language` that follows `<!-- marker -->` in `markdown`. */
function fencedBlock(markdown: string, marker: string, language: string): string {
  const pattern = new RegExp(`<!-- ${marker} -->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\``);
  const block = pattern.exec(markdown)?.[1];
  if (block === undefined) throw new Error(`README.md lacks the ${marker} block`);
  return block;
}

/** The last line a flow printed (npm prints its own lines before). */
function lastLine(output: string): string {
  return output.trim().split('\n').pop() ?? '';
}

/** The environment without the repository: no node_modules/.bin of it on PATH, no NODE_PATH. */
function outsideEnv(): NodeJS.ProcessEnv {
  const repo = resolve('.');
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.startsWith(repo) && !dir.includes('node_modules'))
    .join(delimiter);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path, NO_COLOR: '1' };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

test('the packed package installs and runs the README install section', async (t) => {
  t.timeout(300_000);
  const readme = readFileSync('README.md', 'utf8');
  const installJs = fencedBlock(readme, 'readme-install', 'sh');
  const script = fencedBlock(readme, 'readme-install-js', 'js');
  const installTs = fencedBlock(readme, 'readme-install-ts', 'sh');
  const scriptTs = fencedBlock(readme, 'readme-install-ts-script', 'ts');
  const shown = fencedBlock(readme, 'readme-install-output', 'text').trim();
  const browser = fencedBlock(readme, 'readme-install-browser', 'sh');

  // dist/ is what `npm ci` (prepare) and `npm test` (build) compiled; pack it without compiling again.
  if (!existsSync('dist/compiler/cli/main.js')) await run('npm', ['run', 'build']);
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'cnnc-pack-')));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
    { maxBuffer: 64 << 20 },
  );
  const [{ filename, files }] = JSON.parse(packed.stdout) as {
    filename: string;
    files: { path: string }[];
  }[];
  const paths = files.map((file) => file.path);
  for (const needed of [
    'bin/cnnc.js',
    'dist/compiler/cli/main.js',
    'dist/compiler/index.d.ts',
    'dist/runtime/index.js',
    'dist/runtime/index.d.ts',
    'docs/errors/CNN3014.md',
    'examples/lenet5.cnn',
    'README.md',
  ])
    t.true(paths.includes(needed), `the package carries ${needed}`);
  t.deepEqual(
    paths.filter((path) => /^(test|compiler|runtime|grammar|node_modules)\/|\.map$/.test(path)),
    [],
    'no sources, tests or source maps',
  );

  const app = join(work, 'app');
  await run('mkdir', [app]);
  const tarball = join(work, filename);
  const commands = (block: string, from: string, to: string) => {
    t.true(block.includes(from), `the README block runs \`${from}\``);
    return block.replace(from, to);
  };
  const env = outsideEnv();
  const sh = async (block: string) => {
    const start = Date.now();
    const result = await run('sh', ['-e', '-xc', block], {
      cwd: app,
      env: { ...env, PS4: '+ [$(date +%s.%N | cut -c1-14)] ' },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    t.log(
      `${((Date.now() - start) / 1000).toFixed(1)} s:\n${result.stderr
        .split('\n')
        .filter((l) => l.startsWith('+ ['))
        .join('\n')}`,
    );
    return result;
  };

  writeFileSync(join(app, 'classify.mjs'), script);
  const js = await sh(
    commands(installJs, 'npm install cnnc', `npm install ${NPM_FLAGS} ${tarball}`),
  );
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { type?: string };
  t.is(pkg.type, 'commonjs', 'the JavaScript flow ran in a commonjs project');
  t.true(existsSync(join(app, 'build/lenet5.mjs')));
  const resolved = await run(process.execPath, ['-p', "require.resolve('cnnc/package.json')"], {
    cwd: app,
    env,
  });
  t.is(resolved.stdout.trim(), join(app, 'node_modules/cnnc/package.json'), 'cnnc is the tarball');
  t.is(lastLine(js.stdout), shown, 'the JavaScript flow prints what the README shows');

  writeFileSync(join(app, 'classify.ts'), scriptTs);
  const typescript = await sh(
    commands(
      installTs,
      'npm install --save-dev typescript@5.9.3',
      `npm install ${NPM_FLAGS} --save-dev typescript@5.9.3`,
    ),
  );
  t.true(existsSync(join(app, 'build/lenet5.ts')));
  t.true(existsSync(join(app, 'out/build/lenet5.js')), 'tsc --strict compiled the module');
  t.is(lastLine(typescript.stdout), shown, 'the TypeScript flow prints what the README shows');

  // esbuild works as installed: npm 11 runs no install script unless approved, and it needs none.
  await sh(browser);
  for (const file of ['lenet5.ts', 'lenet5.browser.js', 'lenet5.worker.js'])
    t.true(existsSync(join(app, 'web', file)), `the browser build wrote web/${file}`);
});
