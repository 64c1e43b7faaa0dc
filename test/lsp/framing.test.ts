// Broken framing through a spawned server over stdio: a header without Content-Length, a negative
// Content-Length, a body that is not JSON and an oversized message are each logged (or answered
// with -32700), and the server goes on answering the requests that follow.
import test from 'ava';
import { spawn } from 'node:child_process';

interface Received {
  id?: number | null;
  method?: string;
  result?: unknown;
  error?: { code: number; message: string };
  params?: { message?: string };
}

function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
}

/** Splits the server's stdout into messages (its own framing is well-formed). */
function parseOutput(bytes: Buffer): Received[] {
  const messages: Received[] = [];
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return messages;
    const length = Number(/Content-Length: (\d+)/i.exec(rest.subarray(0, end).toString())?.[1]);
    const start = end + 4;
    if (rest.length < start + length) return messages;
    messages.push(JSON.parse(rest.subarray(start, start + length).toString()) as Received);
    rest = rest.subarray(start + length);
  }
}

/** Runs the server, writes `input`, waits until `until` holds of its output (or 20 s). */
async function exchange(
  input: Buffer[],
  until: number | ((messages: Received[]) => boolean),
): Promise<Received[]> {
  const satisfied =
    typeof until === 'number' ? (ms: Received[]) => ms.some((m) => m.id === until) : until;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'compiler/cli/run.ts', 'lsp', '--stdio'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output = Buffer.concat([output, chunk]);
      if (satisfied(parseOutput(output))) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  for (const chunk of input) child.stdin.write(chunk);
  await done;
  child.kill();
  return parseOutput(output);
}

const initialize = frame({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { capabilities: {} },
});
const hover = (id: number) =>
  frame({
    jsonrpc: '2.0',
    id,
    method: 'textDocument/hover',
    params: { textDocument: { uri: 'file:///nowhere.cnn' }, position: { line: 0, character: 0 } },
  });
const logs = (messages: Received[]) =>
  messages.filter((m) => m.method === 'window/logMessage').map((m) => m.params?.message ?? '');

test('a header without Content-Length is logged and the next request answered', async (t) => {
  const messages = await exchange(
    [
      initialize,
      Buffer.from(
        'Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}',
      ),
      hover(3),
    ],
    3,
  );
  t.deepEqual(messages.find((m) => m.id === 3)?.result, null);
  t.is(messages.filter((m) => m.id === 2).length, 0);
  t.true(
    logs(messages).some((l) => /no Content-Length/.test(l)),
    logs(messages).join('\n'),
  );
});

test('a negative Content-Length is logged and the next request answered', async (t) => {
  const messages = await exchange(
    [
      initialize,
      Buffer.from('Content-Length: -5\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"shutdown"}'),
      hover(3),
    ],
    3,
  );
  t.deepEqual(messages.find((m) => m.id === 3)?.result, null);
  t.true(
    logs(messages).some((l) => /Content-Length `-5`/.test(l)),
    logs(messages).join('\n'),
  );
});

test('a body that is not JSON is answered with -32700, then requests go on', async (t) => {
  const messages = await exchange(
    [initialize, Buffer.from('Content-Length: 9\r\n\r\n{"id": 2,'), hover(3)],
    3,
  );
  const parseError = messages.find((m) => m.error?.code === -32700);
  t.truthy(parseError);
  t.is(parseError?.id, null);
  t.deepEqual(messages.find((m) => m.id === 3)?.result, null);
});

test('a message over the size limit is discarded unread and logged', async (t) => {
  const messages = await exchange(
    [initialize, Buffer.from('Content-Length: 99999999999\r\n\r\n'), hover(3)],
    (ms) => logs(ms).some((l) => /messages may be at most/.test(l)),
  );
  t.true(
    logs(messages).some((l) => /messages may be at most/.test(l)),
    logs(messages).join('\n'),
  );
});
