// Benchmark: how long after a one-character edit in a 300-line model the language server's
// diagnostics arrive, through the real stdio transport (the server runs as `cnnc lsp --stdio`
// with its default debounce, which lets a lone edit through at once). The budget is a
// 50 ms median over 100 edits. Run with `npm run bench:lsp` (`tsx bench/lsp-latency.ts`); it
// exits non-zero above the budget.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { initialize, startServer } from '../test/lsp/client.js';

const EDITS = 100;
/** Edits before the measured ones, so the JIT has compiled the compiler (as in a real session). */
const WARMUP = 20;
const BUDGET_MS = 50;
const LINES = 300;

/** A 300-line file: a residual block and a model of convolution stages that keep [32, 16, 16]. */
export function generateModel(lines: number): string {
  const head = [
    'block Res(c) {',
    '  residual {',
    '    conv(c, 3, pad=1, bias=false)',
    '    batchnorm',
    '    relu',
    '  }',
    '}',
    '',
    'model Long {',
    '  input image: [32, 16, 16]',
  ];
  const cycle = ['conv(32, 3, pad=1)', 'batchnorm', 'relu', 'Res(32)', 'dropout(0.1)'];
  const body = Array.from(
    { length: lines - head.length - 6 },
    (_, idx) => `  ${cycle[idx % cycle.length]}`,
  );
  const tail = ['  avgpool(global)', '  flatten', '  linear(10)', '  output logits', '}', ''];
  return [...head, ...body, ...tail].join('\n');
}

const text = generateModel(LINES);
const uri = pathToFileURL('/tmp/cnnc-bench/long.cnn').href;
const lines = text.split('\n');
const editLine = lines.findIndex((line) => line.includes('dropout(0.1)'));
const editChar = lines[editLine].indexOf('0.1') + 2;

const client = startServer();
await initialize(client, null, {});
await client.connection.sendNotification('textDocument/didOpen', {
  textDocument: { uri, languageId: 'cnn', version: 1, text },
});
const first = await client.nextDiagnostics(uri);
if (first.diagnostics.length > 0)
  throw new Error(`unexpected diagnostics: ${first.diagnostics[0].message}`);

const times: number[] = [];
for (let edit = 0; edit < WARMUP + EDITS; edit++) {
  const version = edit + 2;
  const digit = String((edit % 8) + 1);
  const started = performance.now();
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version },
    contentChanges: [
      {
        range: {
          start: { line: editLine, character: editChar },
          end: { line: editLine, character: editChar + 1 },
        },
        text: digit,
      },
    ],
  });
  let published = await client.nextDiagnostics(uri);
  while (published.version !== version) published = await client.nextDiagnostics(uri);
  if (edit >= WARMUP) times.push(performance.now() - started);
}
await client.stop();

times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const p90 = times[Math.floor(times.length * 0.9)];
console.log(
  `lsp: diagnostics after a one-character edit in a ${LINES}-line model: median ${median.toFixed(1)} ms, ` +
    `p90 ${p90.toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms ` +
    `(${EDITS} edits after ${WARMUP} warm-up edits; budget ${BUDGET_MS} ms)`,
);
if (median > BUDGET_MS) process.exitCode = 1;
