// End to end: `cnnc lsp` as a process, driven over stdio by a real JSON-RPC client. Each request's
// answer is checked for content, not only shape.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initialize, startServer, type TestClient } from './client.js';

const SOURCE = [
  '// Two 3×3 convolutions.', //                0
  'block Stem(c, k = 3) {', //                   1
  '  conv(c, k, pad=1)', //                      2
  '  relu', //                                   3
  '}', //                                        4
  '', //                                         5
  'model Net {', //                              6
  '  input image: [1, 28, 28]', //               7
  '  Stem(8)', //                                8
  '  maxpool(2)', //                             9
  '  linear(10)', //                             10
  '  output logits', //                          11
  '}', //                                        12
  '',
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'cnnc-lsp-'));
const file = join(dir, 'net.cnn');
writeFileSync(file, SOURCE);
const uri = pathToFileURL(file).href;
let client: TestClient;

test.before(async () => {
  client = startServer();
  const init = await initialize(client, pathToFileURL(dir).href, undefined, {
    textDocument: { completion: { completionItem: { snippetSupport: true } } },
  });
  if (!init.capabilities.inlayHintProvider) throw new Error('no inlay hints');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'cnn', version: 1, text: SOURCE },
  });
});

test.after.always(async () => {
  await client?.stop();
});

const at = (line: number, character: number) => ({
  textDocument: { uri },
  position: { line, character },
});

test.serial(
  'a shape error is published with its exact range, then cleared by the fix',
  async (t) => {
    const published = await client.nextDiagnostics(uri);
    t.is(published.diagnostics.length, 1);
    const [diagnostic] = published.diagnostics;
    t.is(diagnostic.code, 'CNN3014');
    t.deepEqual(diagnostic.range, {
      start: { line: 10, character: 2 },
      end: { line: 10, character: 12 },
    });
    t.regex(diagnostic.message, /`linear` expects a 1-D input, found \[8, 14, 14\]/);
    t.regex(diagnostic.codeDescription?.href ?? '', /CNN3014\.md$/);
    t.true((diagnostic.relatedInformation ?? []).length > 0);

    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic] },
    })) as {
      title: string;
      edit: { changes: Record<string, { newText: string; range: unknown }[]> };
    }[];
    t.is(actions.length, 1);
    t.regex(actions[0].title, /^insert `flatten`/);
    const [edit] = actions[0].edit.changes[uri];
    t.is(edit.newText, '  flatten\n');
    t.deepEqual(edit.range, { start: { line: 10, character: 0 }, end: { line: 10, character: 0 } });

    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: edit.range, text: edit.newText }],
    });
    const fixed = await client.nextDiagnostics(uri);
    t.deepEqual(fixed.diagnostics, []);
    t.is(fixed.version, 2);
  },
);

test.serial('inlay hints show each line’s output shape and the costs', async (t) => {
  const hints = (await client.connection.sendRequest('textDocument/inlayHint', {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
  })) as { position: { line: number; character: number }; label: string }[];
  const byLine = new Map(hints.map((h) => [h.position.line, h.label]));
  t.is(byLine.get(2), '→ [8, 28, 28]');
  t.is(byLine.get(3), '→ [8, 28, 28]');
  t.is(byLine.get(7), undefined);
  t.is(byLine.get(8), '→ [8, 28, 28]');
  t.is(byLine.get(9), '→ [8, 14, 14]');
  t.is(byLine.get(10), '→ [1568]');
  t.is(byLine.get(11), '→ [10]');
  t.deepEqual(hints.find((h) => h.position.line === 9)?.position, { line: 9, character: 12 });
  t.is(byLine.get(4), 'Stem: 80 params · 56.4 K MACs (1 call)');
  t.is(byLine.get(13), 'Net: 15,770 params · 72.1 K MACs');
});

test.serial(
  'hover on a layer shows shapes, arithmetic and costs; on a block its docs',
  async (t) => {
    const layer = (await client.connection.sendRequest('textDocument/hover', at(9, 4))) as {
      contents: { value: string };
    };
    t.regex(layer.contents.value, /\*\*\[8, 28, 28\] → \[8, 14, 14\]\*\*/);
    t.regex(layer.contents.value, /height: ⌊\(28 − 2\) \/ 2⌋ \+ 1 = 14/);
    const conv = (await client.connection.sendRequest('textDocument/hover', at(2, 3))) as {
      contents: { value: string };
    };
    t.regex(conv.contents.value, /width: ⌊\(28 \+ 1 \+ 1 − 3\) \/ 1⌋ \+ 1 = 28/);
    t.regex(conv.contents.value, /params 80 · MACs 56\.4 K \(56,448\)/);
    const block = (await client.connection.sendRequest('textDocument/hover', at(8, 3))) as {
      contents: { value: string };
    };
    t.regex(block.contents.value, /block Stem\(c, k = 3\)/);
    t.regex(block.contents.value, /Two 3×3 convolutions\./);
    t.regex(block.contents.value, /params 80/);
  },
);

test.serial('completion offers layers, blocks, and argument names with defaults', async (t) => {
  const statement = (await client.connection.sendRequest('textDocument/completion', at(9, 2))) as {
    label: string;
    insertText?: string;
  }[];
  const labels = statement.map((i) => i.label);
  t.true(labels.includes('conv'));
  t.true(labels.includes('Stem'));
  t.is(statement.find((i) => i.label === 'conv')?.insertText, 'conv(${1:out}, ${2:kernel})');
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 3 },
    contentChanges: [
      {
        range: { start: { line: 9, character: 12 }, end: { line: 9, character: 12 } },
        text: ' -> conv(4, 3, ',
      },
    ],
  });
  const args = (await client.connection.sendRequest('textDocument/completion', at(9, 27))) as {
    label: string;
    detail?: string;
  }[];
  t.is(args.find((i) => i.label === 'stride=')?.detail, 'stride=1');
  t.is(args.find((i) => i.label === 'pad_mode=')?.detail, 'pad_mode=zeros');
  const help = (await client.connection.sendRequest('textDocument/signatureHelp', at(9, 27))) as {
    signatures: { label: string }[];
    activeParameter: number;
  };
  t.regex(help.signatures[0].label, /^conv\(out, kernel, stride=1/);
  t.is(help.activeParameter, 2);
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 4 },
    contentChanges: [
      { range: { start: { line: 9, character: 12 }, end: { line: 9, character: 27 } }, text: '' },
    ],
  });
});

test.serial('definition, references and rename of a block', async (t) => {
  const definition = (await client.connection.sendRequest('textDocument/definition', at(8, 4))) as {
    uri: string;
    range: unknown;
  };
  t.is(definition.uri, uri);
  t.deepEqual(definition.range, {
    start: { line: 1, character: 6 },
    end: { line: 1, character: 10 },
  });
  const references = (await client.connection.sendRequest('textDocument/references', {
    ...at(1, 7),
    context: { includeDeclaration: true },
  })) as unknown[];
  t.is(references.length, 2);
  const rename = (await client.connection.sendRequest('textDocument/rename', {
    ...at(8, 4),
    newName: 'Stem2',
  })) as {
    changes: Record<string, { newText: string; range: { start: { line: number } } }[]>;
  };
  t.deepEqual(
    rename.changes[uri].map((e) => [e.range.start.line, e.newText]),
    [
      [1, 'Stem2'],
      [8, 'Stem2'],
    ],
  );
  const param = (await client.connection.sendRequest('textDocument/rename', {
    ...at(2, 7),
    newName: 'channels',
  })) as {
    changes: Record<string, { range: { start: { line: number; character: number } } }[]>;
  };
  t.deepEqual(
    param.changes[uri].map((e) => e.range.start),
    [
      { line: 1, character: 11 },
      { line: 2, character: 7 },
    ],
  );
});

test.serial('formatting returns the `cnnc fmt` layout', async (t) => {
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 5 },
    contentChanges: [
      {
        range: { start: { line: 9, character: 0 }, end: { line: 9, character: 2 } },
        text: '      ',
      },
    ],
  });
  const edits = (await client.connection.sendRequest('textDocument/formatting', {
    textDocument: { uri },
    options: { tabSize: 2, insertSpaces: true },
  })) as { newText: string }[];
  t.is(edits.length, 1);
  t.true(edits[0].newText.includes('\n  maxpool(2)\n'));
  t.false(edits[0].newText.includes('      maxpool'));
});

test.serial('document symbols and semantic tokens', async (t) => {
  const symbols = (await client.connection.sendRequest('textDocument/documentSymbol', {
    textDocument: { uri },
  })) as {
    name: string;
    children?: { name: string }[];
  }[];
  t.deepEqual(
    symbols.map((s) => s.name),
    ['Stem', 'Net'],
  );
  t.deepEqual(
    symbols[1].children?.map((c) => c.name),
    ['image', 'logits'],
  );
  const tokens = (await client.connection.sendRequest('textDocument/semanticTokens/full', {
    textDocument: { uri },
  })) as {
    data: number[];
  };
  t.true(tokens.data.length > 0 && tokens.data.length % 5 === 0);
});
