// Runs `cnnc` in-process with captured output, or as a child process for end-to-end checks.
import { spawnSync } from 'node:child_process';
import { main } from '../../compiler/cli/main.js';
import type { Io } from '../../compiler/host/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), color: false };
  const code = await main(['node', 'cnnc', ...args], io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/**
 * The loader the tests run under (tsx, without re-scanning the dependencies: ./tsx.mjs), for the
 * Node processes they spawn from TypeScript sources: `node --import <TSX_LOADER> file.ts`.
 */
export const TSX_LOADER = new URL('./tsx.mjs', import.meta.url).href;

/** Runs the CLI from source in a child process (as a user would run `cnnc`). */
export function spawnCli(args: string[], cwd = process.cwd()): CliRun {
  const cli = ['--import', TSX_LOADER, 'compiler/cli/run.ts', ...args];
  const result = spawnSync(process.execPath, cli, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
