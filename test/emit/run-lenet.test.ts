// The README's end-to-end run: `cnnc build examples/lenet5.cnn -o build/ --emit js`, then
// `node examples/run-lenet.mjs`, which imports the module through `cnnc/runtime` (dist/, built by
// `npm install`; built here when missing).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

test('examples/run-lenet.mjs runs the built LeNet-5', (t) => {
  if (!existsSync('dist/runtime/index.js')) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'ignore' });
    } catch {
      // tsc emits despite type errors elsewhere in the tree; the runtime is what matters here.
    }
  }
  execFileSync(
    'npx',
    ['tsx', 'compiler/cli/run.ts', 'build', 'examples/lenet5.cnn', '-o', 'build/', '--emit', 'js'],
    { stdio: 'ignore' },
  );
  const output = execFileSync('node', ['examples/run-lenet.mjs'], { encoding: 'utf8' });
  const lines = output.trim().split('\n');
  t.is(lines.length, 3, output);
  t.regex(lines[0], /^sample 0:( -?\d\.\d{4}){10}$/);
  t.is(lines[2], 'parameters: 61706');
});
