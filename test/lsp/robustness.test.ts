// Robustness: 1,000 malformed or out-of-order messages (requests before `initialize`, garbage
// params, unknown methods, bad ranges, edits and closes of unknown documents, a few unparsable
// frames); the server must answer each request (a result or a JSON-RPC error) and keep working.
import test from 'ava';
import { pathToFileURL } from 'node:url';
import { initialize, startServer } from './client.js';

const uri = pathToFileURL('/tmp/cnnc-lsp-robust/model.cnn').href;
const TEXT = 'model M {\n  input x: [3, 8, 8]\n  conv(4, 3)\n  relu\n  output y\n}\n';
const REQUESTS = [
  'textDocument/hover',
  'textDocument/completion',
  'textDocument/signatureHelp',
  'textDocument/definition',
  'textDocument/references',
  'textDocument/prepareRename',
  'textDocument/rename',
  'textDocument/documentSymbol',
  'textDocument/formatting',
  'textDocument/codeAction',
  'textDocument/semanticTokens/full',
  'textDocument/inlayHint',
  'cnnc/unknownMethod',
  'textDocument/implementation',
];
const NOTIFICATIONS = [
  'textDocument/didChange',
  'textDocument/didClose',
  'textDocument/didOpen',
  'cnnc/unknownNotification',
];

/** A deterministic generator of garbage, so a failure can be replayed. */
function* garbage(seed: number): Generator<unknown> {
  let state = seed;
  const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const numbers = [-1, 0, 1, 1e9, -1e9, 0.5, NaN, Infinity];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const position = () => ({ line: pick(numbers), character: pick([...numbers, 'x', null]) });
  while (true) {
    yield pick([
      null,
      42,
      'text',
      [],
      {},
      { textDocument: null },
      { textDocument: { uri: 7 } },
      { textDocument: { uri: 'file:///nowhere.cnn' }, position: position() },
      { textDocument: { uri }, position: position(), newName: pick(['', '1x', 'relu', 'ok', 5]) },
      { textDocument: { uri }, position: { line: 'a' } },
      {
        textDocument: { uri },
        range: { start: position(), end: position() },
        context: pick([null, { diagnostics: [{ data: { fixes: [null, 3] } }] }]),
      },
      {
        textDocument: { uri, version: pick(numbers) },
        contentChanges: pick([
          null,
          [{}],
          [{ text: 5 }],
          [
            {
              range: { start: position(), end: position() },
              text: pick(['', ')', 'conv(', '\n}\n', '∑']),
            },
          ],
        ]),
      },
      {
        textDocument: { uri: `file:///unknown-${Math.floor(next() * 5)}.cnn`, version: 1 },
        contentChanges: [{ text: 'x' }],
      },
    ]);
  }
}

test('the server survives 1,000 malformed or out-of-order messages', async (t) => {
  const client = startServer();
  const { connection } = client;
  const early = await connection
    .sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 0, character: 0 },
    })
    .then(
      () => 'answered',
      (error: { code?: number }) => error.code,
    );
  t.is(early, -32002);
  await initialize(client);
  await connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'cnn', version: 1, text: TEXT },
  });
  await client.nextDiagnostics(uri);

  const answers: Promise<string>[] = [];
  const source = garbage(7);
  for (let idx = 0; idx < 1000; idx++) {
    const params = source.next().value;
    if (idx % 3 === 2) {
      await connection.sendNotification(NOTIFICATIONS[idx % NOTIFICATIONS.length], params);
    } else {
      const method = REQUESTS[idx % REQUESTS.length];
      answers.push(
        connection.sendRequest(method, params).then(
          () => 'result',
          (error: { code?: number }) => `error ${error.code}`,
        ),
      );
    }
    if (idx === 500) {
      // Frames that are not JSON at all, written past the client.
      client.process.stdin!.write('Content-Length: 9\r\n\r\n{not json');
      client.process.stdin!.write('Content-Length: 2\r\n\r\n[]');
    }
  }
  const settled = await Promise.all(answers);
  t.is(settled.length, 667);
  t.true(
    settled.every((answer) => answer === 'result' || /^error -326\d\d$/.test(answer)),
    settled.find((a) => !a.startsWith('result') && !a.startsWith('error -326')),
  );
  t.true(settled.some((answer) => answer === 'error -32601'));
  t.true(settled.some((answer) => answer === 'error -32602'));
  t.false(
    settled.some((answer) => answer === 'error -32603'),
    client.logs.filter((l) => l.includes('internal error')).join('\n'),
  );

  // The server still works: reopen a known text and ask for a hover.
  await connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'cnn', version: 100, text: TEXT },
  });
  let published = await client.nextDiagnostics(uri);
  while (published.version !== 100) published = await client.nextDiagnostics(uri);
  t.deepEqual(published.diagnostics, []);
  const hover = (await connection.sendRequest('textDocument/hover', {
    textDocument: { uri },
    position: { line: 2, character: 3 },
  })) as { contents: { value: string } };
  t.regex(hover.contents.value, /\[3, 8, 8\] → \[4, 6, 6\]/);
  t.is(client.process.exitCode, null);
  await client.stop();
});
