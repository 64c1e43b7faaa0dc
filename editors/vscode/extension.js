// The VS Code client of cnnc: starts `cnnc lsp --stdio` and connects it to `.cnn` documents.
// Plain CommonJS with no build step; its one dependency is vscode-languageclient.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- VS Code loads extensions as CommonJS. */
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {import('vscode-languageclient/node').LanguageClient | undefined} */
let client;

/** Starts the language server when a `.cnn` file is first opened. */
function activate(context) {
  const config = vscode.workspace.getConfiguration('cnnc');
  const command = config.get('server.command', 'cnnc');
  // The client appends `--stdio` itself for the stdio transport (vscode-languageclient's
  // `Executable` handling), so the server is started as `<command> <args> lsp --stdio`.
  const args = [...config.get('server.args', []), 'lsp'];
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ language: 'cnn' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.cnn') },
    initializationOptions: { debounceMs: config.get('server.debounceMs', 10) },
  };
  client = new LanguageClient('cnnc', 'cnnc language server', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

/** Stops the server with the extension. */
function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
