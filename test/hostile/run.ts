// Runs the real `cnnc` (bin/cnnc.js on the compiled dist/, as `npm test` builds it) on hostile
// input, a few at a time, and checks what every run must give: exit 1 or 2, one clear message
// with a code or a one-line error, no stack trace, and an answer within the time limit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import type { ExecutionContext } from 'ava';

/** Wall time allowed per command (the issue's limit). */
export const TIME_LIMIT_MS = 5_000;
/** A run still going after this is killed, so that a hang fails the test instead of ava. */
const KILL_AFTER_MS = 20_000;
/** Commands run at once: the machine has 2 cores, and time limits must not measure queueing. */
const CONCURRENCY = 2;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time. */
  ms: number;
  /** CPU time of the command (user + system), when known. */
  cpuMs?: number;
  killed: boolean;
}

export const builtCli = existsSync('dist/compiler/cli/main.js');

let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/**
 * How root runs a command that file permissions must stop (root writes anywhere): without the
 * capability that overrides them (`setpriv`, util-linux), so that it still reads a checkout that
 * other users cannot (a `mktemp -d` folder is 0700); as `nobody` where there is no setpriv.
 */
function obeyingPermissions(command: string[]): { command: string[]; uid?: number } {
  if (process.getuid?.() !== 0) return { command };
  if (existsSync('/usr/bin/setpriv'))
    return { command: ['/usr/bin/setpriv', '--bounding-set=-dac_override', '--', ...command] };
  return { command, uid: 65534 };
}

/** Runs `node bin/cnnc.js …args`; with `obeyPermissions`, read-only files stop it even as root. */
export async function runCnnc(
  args: string[],
  options: { obeyPermissions?: boolean } = {},
): Promise<Run> {
  const release = await slot();
  try {
    return await new Promise<Run>((resolve) => {
      const started = Date.now();
      const preload = ['--import', './test/hostile/cpu-usage.mjs'];
      const plain = [process.execPath, ...preload, 'bin/cnnc.js', ...args];
      const { command, uid } = options.obeyPermissions
        ? obeyingPermissions(plain)
        : { command: plain, uid: undefined };
      const child = spawn(command[0], command.slice(1), {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        ...(uid === undefined ? {} : { uid, gid: uid }),
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      let cpu = '';
      child.stdio[3]?.on('data', (chunk: Buffer) => (cpu += chunk.toString()));
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, KILL_AFTER_MS);
      child.on('close', (code) => {
        clearTimeout(timer);
        const ms = Date.now() - started;
        resolve({ code, stdout, stderr, ms, killed, ...(cpu ? { cpuMs: Number(cpu) } : {}) });
      });
    });
  } finally {
    release();
  }
}

/** The first line a user reads: a diagnostic with its code, or a one-line `error: …`. */
const firstLine = /^(error|warning)(\[CNN\d{4}\])?: \S/;

/**
 * Asserts what any command on hostile input must give. `mayPass` allows exit 0 for inputs that
 * are valid models, only large.
 */
export function assertHandled(
  t: ExecutionContext,
  run: Run,
  mayPass = false,
  formatting = false,
): void {
  const output = `${run.stderr}\n${run.stdout}`;
  t.false(run.killed, `no answer after ${KILL_AFTER_MS} ms`);
  t.notRegex(output, /internal error/, 'an internal error');
  t.notRegex(output, /\n\s+at \S/, 'a stack trace');
  t.notRegex(output, /Maximum call stack|RangeError|TypeError/, 'a JavaScript error');
  // `fmt --check` on a file that parses: exit 0, or 1 with `FILE: not formatted`.
  const unformatted = formatting && run.code === 1 && /: not formatted$/m.test(run.stdout);
  if (!(mayPass && run.code === 0) && !unformatted) {
    t.true(run.code === 1 || run.code === 2, `exit code ${run.code}: ${run.stderr.slice(0, 300)}`);
    t.regex(run.stderr.split('\n')[0] ?? '', firstLine, run.stderr.slice(0, 300));
  }
  const took = `took ${run.ms} ms${run.cpuMs === undefined ? '' : ` (${run.cpuMs} ms of CPU)`}`;
  if (run.cpuMs !== undefined)
    t.true(run.cpuMs < TIME_LIMIT_MS, `${took}; limit ${TIME_LIMIT_MS} ms`);
  const wallLimit = TIME_LIMIT_MS * machineLoad();
  t.true(run.ms < wallLimit, `${took}; limit ${Math.round(wallLimit)} ms of wall time`);
}

/**
 * How oversubscribed the machine is (1 when it is not): with 20 processes on 2 cores a command
 * waits 10 times longer for its CPU time. The wall-time limit is 5 s on a quiet machine and
 * stretches by this factor under load, while the CPU-time limit stays 5 s.
 */
export function machineLoad(): number {
  return Math.max(1, loadavg()[0] / availableParallelism());
}
