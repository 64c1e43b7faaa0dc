// A test client for `cnnc lsp`: spawns the server as a process, exactly as an editor does, and
// talks JSON-RPC to it over stdio with vscode-jsonrpc. Diagnostics notifications are queued so a
// test can wait for the next one of a document.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from 'vscode-jsonrpc/node';

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    code: string;
    message: string;
    codeDescription?: { href: string };
    relatedInformation?: { message: string }[];
    data?: unknown;
  }[];
}

export interface TestClient {
  connection: MessageConnection;
  process: ChildProcess;
  /** Resolves with the next diagnostics published for `uri`. */
  nextDiagnostics(uri: string): Promise<PublishedDiagnostics>;
  /** Log messages the server sent. */
  logs: string[];
  stop(): Promise<void>;
}

/** Starts `cnnc lsp --stdio` from the TypeScript sources. */
export function startServer(args: string[] = []): TestClient {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'compiler/cli/run.ts', 'lsp', '--stdio', ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const queued = new Map<string, PublishedDiagnostics[]>();
  const waiting = new Map<string, ((d: PublishedDiagnostics) => void)[]>();
  const logs: string[] = [];
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishedDiagnostics) => {
    const waiter = waiting.get(params.uri)?.shift();
    if (waiter) waiter(params);
    else queued.set(params.uri, [...(queued.get(params.uri) ?? []), params]);
  });
  connection.onNotification('window/logMessage', (params: { message: string }) => {
    logs.push(params.message);
  });
  connection.listen();
  return {
    connection,
    process: child,
    logs,
    nextDiagnostics(uri) {
      const ready = queued.get(uri)?.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.set(uri, [...(waiting.get(uri) ?? []), resolve]));
    },
    async stop() {
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        // The server may already be gone.
      }
      connection.dispose();
      child.kill();
    },
  };
}

/** Sends `initialize` and `initialized`, returning the server's capabilities. */
export async function initialize(
  client: TestClient,
  rootUri: string | null = null,
  initializationOptions: Record<string, unknown> = { debounceMs: 5 },
  capabilities: Record<string, unknown> = {},
) {
  const result = await client.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri,
    capabilities,
    initializationOptions,
  });
  await client.connection.sendNotification('initialized', {});
  return result as { capabilities: Record<string, unknown> };
}
