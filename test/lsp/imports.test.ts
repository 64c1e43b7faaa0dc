// Imports: an unopened file is read from disk relative to the importing document, and
// definition and rename reach into it.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initialize, startServer } from './client.js';

test('definition, rename and hints work across an import', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnc-lsp-imports-'));
  writeFileSync(join(dir, 'blocks.cnn'), 'block Pair(c) {\n  conv(c, 3, pad=1)\n  relu\n}\n');
  const main = 'import "blocks.cnn"\n\nmodel M {\n  input x: [3, 8, 8]\n  Pair(4)\n  output y\n}\n';
  const uri = pathToFileURL(join(dir, 'main.cnn')).href;
  const blocksUri = pathToFileURL(join(dir, 'blocks.cnn')).href;
  const client = startServer();
  const { connection } = client;
  await initialize(client);
  await connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'cnn', version: 1, text: main },
  });
  t.deepEqual((await client.nextDiagnostics(uri)).diagnostics, []);

  const position = { textDocument: { uri }, position: { line: 4, character: 3 } };
  const definition = (await connection.sendRequest('textDocument/definition', position)) as {
    uri: string;
    range: unknown;
  };
  t.is(definition.uri, blocksUri);
  t.deepEqual(definition.range, {
    start: { line: 0, character: 6 },
    end: { line: 0, character: 10 },
  });
  const rename = (await connection.sendRequest('textDocument/rename', {
    ...position,
    newName: 'Duo',
  })) as { changes: Record<string, unknown[]> };
  t.deepEqual(Object.keys(rename.changes).sort(), [blocksUri, uri].sort());
  const hints = (await connection.sendRequest('textDocument/inlayHint', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
  })) as { position: { line: number }; label: string }[];
  t.is(hints.find((h) => h.position.line === 4)?.label, '→ [4, 8, 8]');

  await connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [
      {
        range: { start: { line: 0, character: 8 }, end: { line: 0, character: 14 } },
        text: 'gone',
      },
    ],
  });
  const missing = await client.nextDiagnostics(uri);
  t.is(missing.diagnostics[0]?.code, 'CNN2015');
  await client.stop();
});
