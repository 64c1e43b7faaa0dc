// The VS Code extension: the command line it starts the server with, and its offline packaging.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const extensionDir = join(process.cwd(), 'editors/vscode');

test('the server is started as `cnnc lsp --stdio`, with `--stdio` once', async (t) => {
  let started: { command: string; args: string[]; transport: number } | undefined;
  const TransportKind = { stdio: 0, ipc: 1, pipe: 2, socket: 3 };
  // vscode-languageclient 9.0.1 (node/main.ts, `Executable` with `TransportKind.stdio`) appends
  // `--stdio` to the arguments it is given; this stand-in does the same.
  class LanguageClient {
    constructor(_id: string, _name: string, server: typeof started) {
      started = server && {
        ...server,
        args: server.transport === TransportKind.stdio ? [...server.args, '--stdio'] : server.args,
      };
    }
    start() {
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
  }
  const settings: Record<string, unknown> = { 'server.args': ['--import', 'tsx', 'run.ts'] };
  const vscode = {
    workspace: {
      getConfiguration: () => ({
        get: (key: string, fallback: unknown) => settings[key] ?? fallback,
      }),
      createFileSystemWatcher: () => ({ dispose() {} }),
    },
  };
  const moduleWithLoad = Module as unknown as {
    _load: (request: string, ...rest: unknown[]) => unknown;
  };
  const original = moduleWithLoad._load;
  moduleWithLoad._load = (request, ...rest) => {
    if (request === 'vscode') return vscode;
    if (request === 'vscode-languageclient/node') return { LanguageClient, TransportKind };
    return original(request, ...rest);
  };
  try {
    const require = createRequire(import.meta.url);
    const extension = require(join(extensionDir, 'extension.js')) as {
      activate(context: { subscriptions: unknown[] }): Promise<void>;
    };
    await extension.activate({ subscriptions: [] });
  } finally {
    moduleWithLoad._load = original;
  }
  t.is(started?.command, 'cnnc');
  t.deepEqual(started?.args, ['--import', 'tsx', 'run.ts', 'lsp', '--stdio']);
});

test('the extension packages offline, with its license and production dependencies', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'cnnc-vsix-'));
  for (const name of [
    'package.json',
    'extension.js',
    'language-configuration.json',
    'README.md',
    'LICENSE',
    'package-vsix.mjs',
  ])
    copyFileSync(join(extensionDir, name), join(folder, name));
  cpSync(join(extensionDir, 'syntaxes'), join(folder, 'syntaxes'), { recursive: true });
  // A stand-in for what `npm ci` installs: one production dependency and one dev dependency.
  writeFileSync(
    join(folder, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'cnnc-vscode' },
        'node_modules/client': { version: '1.0.0' },
        'node_modules/tool': { version: '1.0.0', dev: true },
      },
    }),
  );
  for (const name of ['client', 'tool']) {
    mkdirSync(join(folder, 'node_modules', name), { recursive: true });
    writeFileSync(join(folder, 'node_modules', name, 'index.js'), `module.exports = '${name}';\n`);
  }
  const out = join(folder, 'out.vsix');
  const run = spawnSync(process.execPath, ['package-vsix.mjs', out], {
    cwd: folder,
    encoding: 'utf8',
  });
  t.is(run.status, 0, run.stderr);
  // unzip, not our code, reads the archive back.
  const check = spawnSync('unzip', ['-t', out], { encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  const listing = spawnSync('unzip', ['-Z1', out], { encoding: 'utf8' }).stdout.trim().split('\n');
  for (const name of [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/extension.js',
    'extension/LICENSE.txt',
    'extension/syntaxes/cnn.tmLanguage.json',
    'extension/node_modules/client/index.js',
  ])
    t.true(listing.includes(name), name);
  t.false(listing.some((name) => name.includes('node_modules/tool')));
  const manifest = spawnSync('unzip', ['-p', out, 'extension.vsixmanifest'], { encoding: 'utf8' });
  t.regex(
    manifest.stdout,
    /<Identity Language="en-US" Id="cnnc-vscode" Version="0\.1\.0" Publisher="cnnc" \/>/,
  );
  t.regex(manifest.stdout, /<License>extension\/LICENSE\.txt<\/License>/);
  // Without the dependencies installed, packaging says what to do.
  const bare = mkdtempSync(join(tmpdir(), 'cnnc-vsix-bare-'));
  cpSync(folder, bare, { recursive: true, filter: (src) => !src.includes('node_modules') });
  const missing = spawnSync(process.execPath, ['package-vsix.mjs'], {
    cwd: bare,
    encoding: 'utf8',
  });
  t.is(missing.status, 1);
  t.regex(missing.stderr, /^error: node_modules\/client is missing: run `npm ci` in .* first\n$/);
});
