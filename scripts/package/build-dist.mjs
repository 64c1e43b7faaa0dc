// Compiles the TypeScript sources to dist/ (what the `cnnc` bin and `cnnc/runtime` load).
// `prepack` runs it with --clean, so a packed tarball never carries a stale file of a deleted
// source; `prepare` (npm install, npm ci) runs it with --unless-packing, because npm also runs
// `prepare` right after `prepack` on `npm pack`/`npm publish`, and one compile is enough.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
if (!(args.has('--unless-packing') && packing)) {
  if (args.has('--clean')) rmSync('dist', { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    stdio: 'inherit',
  });
}
