// `cnnc lsp`: the language server. It speaks LSP over stdio through vscode-languageserver and
// answers every request from the compiler's own stages (compile.ts), one file per feature in this
// folder. Every handler runs inside a guard, so a malformed or unexpected message is logged and
// answered with a JSON-RPC error, and the server keeps running.
import {
  type Connection,
  ErrorCodes,
  type Message,
  ProposedFeatures,
  ResponseError,
  StreamMessageWriter,
  createConnection,
} from 'vscode-languageserver/node';
import { FramedMessageReader } from './framing.js';
import { createAnalysisCache } from './analysis.js';
import { serverCapabilities } from './capabilities.js';
import type { ServerContext } from './context.js';
import { registerDocumentSync } from './document-sync.js';
import { guardRequest } from './guard.js';
import { featureHandlers } from './features.js';
import { createDocumentStore } from './documents.js';

/** Options of `cnnc lsp`. */
export interface LspServerOptions {
  /** Debounce of diagnostics after a change, in ms (default 10). */
  debounceMs?: number;
}

/** Creates the server's state around a connection and registers every handler. */
export function createServer(
  connection: Connection,
  options: LspServerOptions = {},
): ServerContext {
  const ctx: ServerContext = {
    connection,
    store: createDocumentStore(),
    cache: createAnalysisCache(),
    debounceMs: options.debounceMs ?? 10,
    timers: new Map(),
    lastChange: new Map(),
    published: new Map(),
    log: (message) => connection.console.log(message),
  };
  let initialized = false;
  connection.onInitialize((params) => {
    initialized = true;
    const init = (params?.initializationOptions ?? {}) as Record<string, unknown>;
    if (typeof init.debounceMs === 'number' && init.debounceMs >= 0)
      ctx.debounceMs = init.debounceMs;
    if (typeof init.docsBaseUrl === 'string') ctx.docsBaseUrl = init.docsBaseUrl;
    ctx.snippetSupport =
      params?.capabilities?.textDocument?.completion?.completionItem?.snippetSupport === true;
    return { capabilities: serverCapabilities, serverInfo: { name: 'cnnc' } };
  });
  registerDocumentSync(ctx);
  for (const [method, handler] of Object.entries(featureHandlers)) {
    const guarded = guardRequest(ctx, method, (params) => handler(ctx, params));
    connection.onRequest(method, (params: unknown) =>
      initialized ? guarded(params) : notInitialized(ctx, method),
    );
  }
  connection.onRequest((method: string) => {
    ctx.log(`unknown request ${method}`);
    return new ResponseError(ErrorCodes.MethodNotFound, `cnnc does not handle ${method}`);
  });
  connection.onNotification((method: string) => {
    if (!method.startsWith('$/')) ctx.log(`ignored unknown notification ${method}`);
  });
  return ctx;
}

function notInitialized(ctx: ServerContext, method: string): ResponseError<void> {
  ctx.log(`${method} before initialize`);
  return new ResponseError(ErrorCodes.ServerNotInitialized, 'the server is not initialized yet');
}

/**
 * Runs the server on stdin/stdout until the client sends `exit` or closes the streams (the
 * connection then ends the process). Nothing else may write to stdout, so console output is
 * redirected to the editor's log.
 */
export function runLanguageServer(options: LspServerOptions = {}): Promise<number> {
  // Messages logged before the connection exists (none in practice) go nowhere rather than stdout.
  const pending = { log: (message: string) => void message, parseError: () => undefined };
  const reader = new FramedMessageReader(process.stdin, pending);
  const writer = new StreamMessageWriter(process.stdout);
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  const ctx = createServer(connection, options);
  reader.hooks = {
    log: (message) => ctx.log(`framing: ${message}`),
    parseError: (message) => {
      ctx.log(`parse error: ${message}`);
      void writer.write({
        jsonrpc: '2.0',
        id: null,
        error: { code: ErrorCodes.ParseError, message: `cnnc: ${message}` },
      } as Message);
    },
  };
  // With a reader of its own, the connection no longer exits when stdin ends; do it here, with
  // the exit code the LSP specification asks for (0 after `shutdown`, 1 otherwise).
  let shutdown = false;
  connection.onShutdown(() => {
    shutdown = true;
  });
  const exit = (): never => process.exit(shutdown ? 0 : 1);
  process.stdin.on('end', exit);
  process.stdin.on('close', exit);
  const toLog = (...args: unknown[]): void => ctx.log(args.map(String).join(' '));
  Object.assign(console, { log: toLog, info: toLog, warn: toLog, debug: toLog });
  process.on('uncaughtException', (error) => ctx.log(`internal error: ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => ctx.log(`internal error: ${String(error)}`));
  connection.listen();
  return new Promise<number>(() => {
    // The connection exits the process itself on `exit` or when stdin closes.
  });
}
