// What the server tells the editor it can do, in answer to `initialize`.
import { type ServerCapabilities, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { semanticTokensLegend } from './semantic-tokens.js';

/** The server's capabilities: every feature of issue 6, incremental document sync. */
export const serverCapabilities: ServerCapabilities = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  hoverProvider: true,
  completionProvider: { triggerCharacters: ['(', ',', '=', '>', ' '] },
  signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: ['='] },
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  documentFormattingProvider: true,
  codeActionProvider: { codeActionKinds: ['quickfix'] },
  semanticTokensProvider: { legend: semanticTokensLegend, full: true },
  inlayHintProvider: true,
};
