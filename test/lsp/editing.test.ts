// Completion for clients without snippets, arguments already given, rename collisions, and the
// server refusing exactly what `cnnc check` refuses (NUL bytes, documents over 1 MB).
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../../compiler/compile.js';
import { lookupLayer } from '../../compiler/layers/registry.js';
import { runCli } from '../helpers/run-cli.js';
import { initialize, startServer, type TestClient } from './client.js';

const SOURCE = [
  'const WIDTH = 8', //                          0
  'block Pair(c, k = 3) {', //                   1
  '  conv(c, k, pad=1)', //                      2
  '  relu', //                                   3
  '}', //                                        4
  '', //                                         5
  'model Net {', //                              6
  '  input image: [1, 28, 28]', //               7
  '  let a = Pair(WIDTH)', //                    8
  '  conv(4, 3, stride=1)', //                   9
  '  flatten', //                                10
  '  linear(10)', //                             11
  '  output logits', //                          12
  '}', //                                        13
  '',
].join('\n');

interface Item {
  label: string;
  insertText?: string;
  insertTextFormat?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'cnnc-lsp-editing-'));
const file = join(dir, 'net.cnn');
writeFileSync(file, SOURCE);
const uri = pathToFileURL(file).href;
let client: TestClient;

test.before(async () => {
  client = startServer();
  // Neovim 0.7's built-in client declares this.
  await initialize(client, pathToFileURL(dir).href, undefined, {
    textDocument: { completion: { completionItem: { snippetSupport: false } } },
  });
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'cnn', version: 1, text: SOURCE },
  });
  await client.nextDiagnostics(uri);
});

test.after.always(async () => {
  await client?.stop();
});

const at = (line: number, character: number) => ({
  textDocument: { uri },
  position: { line, character },
});

const complete = async (line: number, character: number): Promise<Item[]> =>
  (await client.connection.sendRequest('textDocument/completion', at(line, character))) as Item[];

/** The source with line `line` replaced by `text`, compiled; its diagnostics' codes. */
function codesWithLine(line: number, text: string): string[] {
  const lines = SOURCE.split('\n');
  lines[line] = text;
  return compileSource('net.cnn', lines.join('\n'))
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.code);
}

test.serial('without snippet support, completion sends plain text that compiles', async (t) => {
  const items = [...(await complete(10, 2)), ...(await complete(5, 0))];
  t.true(items.length > 20);
  for (const item of items) {
    t.not(item.insertTextFormat, 2, `${item.label} is a snippet`);
    const text = item.insertText ?? item.label;
    t.false(/\$\{?\d|\n|\t|\0/.test(text), `${item.label} inserts ${JSON.stringify(text)}`);
  }
  const byLabel = new Map(items.map((i) => [i.label, i.insertText ?? i.label]));
  t.is(byLabel.get('conv'), 'conv(64, 3)');
  t.is(byLabel.get('Pair'), 'Pair');
  t.is(byLabel.get('maxpool'), 'maxpool(3)');
  t.is(byLabel.get('concat'), 'concat {');
  t.is(byLabel.get('if'), 'if true {');
  // Every layer, inserted as sent in place of `flatten` (before `linear`, which needs a 1-D
  // input), names nothing unknown: no CNN2xxx name errors and no syntax errors.
  for (const item of items.filter((i) => i.insertText && /^[a-z]/.test(i.label))) {
    if (
      ['let', 'residual', 'concat', 'dense', 'repeat', 'for', 'if', 'input', 'output'].includes(
        item.label,
      )
    )
      continue;
    if (['model', 'block', 'const', 'import', 'train'].includes(item.label)) continue;
    // `add` and `concat` take the names of earlier values, which completion cannot guess.
    if (lookupLayer(item.label)?.inputs === 'many') continue;
    const codes = codesWithLine(10, `  ${item.insertText}`);
    t.false(
      codes.some((code) => /^CNN[12]/.test(code)),
      `${item.label}: ${item.insertText} gives ${codes.join(', ')}`,
    );
  }
});

test.serial('argument names already given by position or by name are not offered', async (t) => {
  // `conv(4, 3, |, stride=1)`: out and kernel given by position, stride by name after the cursor.
  const edit = (text: string, end: number, version: number) =>
    client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [
        { range: { start: { line: 9, character: 12 }, end: { line: 9, character: end } }, text },
      ],
    });
  await edit(', ', 12, 2);
  const items = await complete(9, 12);
  await edit('', 14, 3);
  const labels = items.map((i) => i.label);
  t.true(labels.includes('pad='));
  t.true(labels.includes('dilation='));
  for (const given of ['out=', 'kernel=', 'stride=']) t.false(labels.includes(given), given);
  t.is(items.find((i) => i.label === 'pad=')?.insertText, 'pad=valid');
  t.is(items.find((i) => i.label === 'pad_mode=')?.insertText, 'pad_mode=zeros');
  // A block: `Pair(WIDTH, |)` gives `c` by position.
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 4 },
    contentChanges: [
      { range: { start: { line: 8, character: 20 }, end: { line: 8, character: 20 } }, text: ', ' },
    ],
  });
  const block = (await complete(8, 22)).map((i) => i.label);
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 5 },
    contentChanges: [
      { range: { start: { line: 8, character: 20 }, end: { line: 8, character: 22 } }, text: '' },
    ],
  });
  t.true(block.includes('k='));
  t.false(block.includes('c='));
});

const renameTo = async (line: number, character: number, newName: string) =>
  client.connection.sendRequest('textDocument/rename', { ...at(line, character), newName }).then(
    (value) => ({ ok: true as const, value }),
    (error: { code: number; message: string }) => ({ ok: false as const, error }),
  );

test.serial('rename refuses names that collide or cannot be names', async (t) => {
  const cases: [number, number, string, RegExp][] = [
    [2, 7, 'k', /`k` is already a block parameter, declared at net\.cnn:2:15/],
    [8, 7, 'image', /`image` is already an input, declared at net\.cnn:8:9/],
    [1, 7, 'Net', /`Net` is already a model/],
    [0, 7, 'Pair', /`Pair` is already a block/],
    [8, 13, 'WIDTH', /`WIDTH` is already a constant/],
    [8, 7, 'conv', /`conv` is a layer/],
    [2, 7, 'relu', /`relu` is a layer/],
    [8, 7, 'repeat', /`repeat` is a keyword/],
    [8, 7, '2x', /`2x` is not a valid name/],
    [8, 7, 'a b', /is not a valid name/],
  ];
  for (const [line, character, newName, message] of cases) {
    const answer = await renameTo(line, character, newName);
    t.false(answer.ok, `rename to ${newName} was accepted`);
    if (!answer.ok) {
      t.is(answer.error.code, -32602);
      t.regex(answer.error.message, message);
    }
  }
  const fine = await renameTo(8, 7, 'features');
  t.true(fine.ok);
  const same = await renameTo(8, 7, 'a');
  t.true(same.ok);
});

/** The CLI's diagnostic for a file and the server's for the same text opened in the editor. */
async function bothOn(name: string, bytes: Buffer) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const cli = await runCli(['check', '--format', 'json', path]);
  const fromCli = (JSON.parse(cli.stdout) as { diagnostics: { code: string; message: string }[] })
    .diagnostics;
  const docUri = pathToFileURL(path).href;
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: docUri, languageId: 'cnn', version: 1, text: bytes.toString('utf8') },
  });
  const published = await client.nextDiagnostics(docUri);
  return {
    cli: fromCli.map((d) => [d.code, d.message]),
    server: published.diagnostics.map((d) => [d.code, d.message]),
  };
}

test.serial(
  'the server refuses NUL bytes and documents over 1 MB as `cnnc check` does',
  async (t) => {
    const nul = await bothOn('nul.cnn', Buffer.from(SOURCE.replace('  relu', '  relu\0')));
    t.deepEqual(nul.server, nul.cli);
    t.deepEqual(
      nul.server.map(([code]) => code),
      ['CNN1022'],
    );
    const lines = Array.from({ length: 1 + (1024 * 1024) / 7 }, () => '  relu').join('\n');
    const huge = await bothOn(
      'huge.cnn',
      Buffer.from(`model M {\n  input x: [4]\n${lines}\n  output x\n}\n`),
    );
    t.deepEqual(huge.server, huge.cli);
    t.deepEqual(
      huge.server.map(([code]) => code),
      ['CNN1023'],
    );
  },
);
