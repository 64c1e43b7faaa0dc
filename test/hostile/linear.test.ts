// Every stage is linear in the size of its input: compiling 8 times as many lines of each
// construct must take about 8 times the CPU time, not 64 (a quadratic separator check once made
// a 1 MB file of `relu` lines take over a minute). CPU time, the best of two runs, so that a
// busy machine does not decide the result.
import test from 'ava';
import { compileSource } from '../../compiler/compile.js';
import { formatSource } from '../../compiler/format/format.js';

const SMALL = 2_000;
const FACTOR = 8;
/** Linear gives 8; quadratic gives 64 (the old separator check gave 21 here). */
const MAX_RATIO = 16;

function cpuMs(run: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 2; attempt++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

const model = (body: string): string => `model M {\n  input x: [4, 8, 8]\n${body}  output y\n}\n`;
const lines = (line: (i: number) => string, n: number): string =>
  Array.from({ length: n }, (_, i) => line(i)).join('');

/** Constructs with their count of lines for the small run (the large one stays < 100,000 tokens). */
const constructs: [string, (n: number) => string, number?][] = [
  ['relu lines', (n) => model(lines(() => '  relu\n', n))],
  ['statements on one line', (n) => model(`  ${lines(() => 'relu ', n)}\n`)],
  ['blank lines', (n) => model(lines(() => '\n  \n', n))],
  ['syntax errors', (n) => model(lines(() => '  = relu\n', n))],
  ['closing parentheses', (n) => model(lines(() => '  )\n', n))],
  ['list items', (n) => `const A = [${lines(() => '1, ', n)}1]\n`],
  ['commas', (n) => model(`  conv(${lines(() => ',', n)})\n`)],
  ['unknown layers', (n) => model(lines(() => '  foo\n', n))],
  ['distinct inputs', (n) => model(lines((i) => `  input x${i}: [4]\n`, n)), 1_500],
  ['distinct lets', (n) => model(lines((i) => `  let a${i} = relu\n`, n)), 1_500],
  ['constants', (n) => lines((i) => `const C${i} = ${i}\n`, n), 1_500],
  ['blocks', (n) => lines((i) => `block B${i}() { relu }\n`, n), 1_500],
  ['stray closing braces', (n) => lines(() => '}\n', n)],
];

for (const [name, make, count = SMALL] of constructs)
  test.serial(`compiling and formatting ${name} is linear`, (t) => {
    const small = make(count);
    const large = make(count * FACTOR);
    const work = (text: string) => () => {
      compileSource('linear.cnn', text);
      formatSource(text, 'linear.cnn');
    };
    work(small)(); // warm up the parser and the JIT
    const ratio = cpuMs(work(large)) / Math.max(cpuMs(work(small)), 1);
    t.true(ratio < MAX_RATIO, `${FACTOR}× the input took ${ratio.toFixed(1)}× the CPU time`);
  });
