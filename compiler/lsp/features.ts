// The request handlers, by LSP method. server.ts wraps each in the guard and registers it.
import { codeActions } from './code-actions.js';
import { completion } from './completion.js';
import type { ServerContext } from './context.js';
import { documentSymbols } from './document-symbols.js';
import { formatting } from './formatting.js';
import { hover } from './hover.js';
import { inlayHints } from './inlay-hints.js';
import { definition, references } from './navigation.js';
import { prepareRename, rename } from './rename.js';
import { semanticTokens } from './semantic-tokens.js';
import { signatureHelp } from './signature-help.js';

/** A request handler: the server's state and the params as received (validated inside). */
export type FeatureHandler = (ctx: ServerContext, params: unknown) => unknown;

/** Every request the server answers besides `initialize` and `shutdown`. */
export const featureHandlers: Record<string, FeatureHandler> = {
  'textDocument/hover': hover,
  'textDocument/completion': completion,
  'textDocument/signatureHelp': signatureHelp,
  'textDocument/definition': definition,
  'textDocument/references': references,
  'textDocument/prepareRename': prepareRename,
  'textDocument/rename': rename,
  'textDocument/documentSymbol': documentSymbols,
  'textDocument/formatting': formatting,
  'textDocument/codeAction': codeActions,
  'textDocument/semanticTokens/full': semanticTokens,
  'textDocument/inlayHint': inlayHints,
};
