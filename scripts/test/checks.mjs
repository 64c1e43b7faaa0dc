// Runs the static checks of `npm test` (the npm scripts named on the command line: the tests'
// type-check, eslint, prettier) at the same time, so that the second core is not idle while they
// run one after another (they are single-threaded). Each script's output is printed when it ends,
// under its name; the exit code is 1 when any of them failed.
import { spawn } from 'node:child_process';

const npm = process.env.npm_execpath;

/** Runs `npm run <script>` with its output captured: `{ script, code, output }`. */
function run(script) {
  return new Promise((resolve) => {
    const [command, args] = npm
      ? [process.execPath, [npm, 'run', '--silent', script]]
      : ['npm', ['run', '--silent', script]];
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ script, code: 1, output: String(error) }));
    child.on('close', (code) => resolve({ script, code: code ?? 1, output }));
  });
}

const results = await Promise.all(process.argv.slice(2).map(run));
for (const { script, code, output } of results) {
  console.log(`> npm run ${script}${code === 0 ? '' : `: failed (exit ${code})`}`);
  if (output.trim() !== '') console.log(output.trimEnd());
}
const failed = results.filter((result) => result.code !== 0).map((result) => result.script);
if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`);
process.exitCode = failed.length > 0 ? 1 : 0;
