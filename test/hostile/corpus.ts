// Hostile model texts, made by code (never committed as giant files): deep nesting of every
// construct, huge literals, huge loops and files of about 1 MB of each construct.

/** A case: a name, the file's text, and whether a clean check is acceptable (a valid model). */
export interface TextCase {
  name: string;
  text: () => string;
  /** The input is valid and only has to be handled fast (exit 0 allowed). */
  mayPass?: boolean;
}

const DEEP = 3000;
const LONG = 20_000;
/** Just under the 1 MB limit of model files. */
const MEGABYTE = 1_000_000;

function model(body: string, input = 'input x: [4, 8, 8]'): string {
  return `model M {\n  ${input}\n${body}\n  output y\n}\n`;
}

function nest(open: string, inner: string, close: string, depth: number): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function fill(line: string, bytes = MEGABYTE): string {
  return line.repeat(Math.floor(bytes / line.length));
}

/** A nesting construct, generated at a given depth (or length, for chains). */
interface Nesting {
  name: string;
  text: (depth: number) => string;
  /** Just under the limits (CNN1017: 48 brackets/bodies, 256 operators; CNN2029: 64 calls). */
  fits: number;
}

const blockChain = (depth: number, last: string, call: (i: number) => string): string => {
  const blocks = Array.from({ length: depth }, (_, i) =>
    i === depth - 1 ? `block B${i}(c = 4) { ${last} }` : `block B${i}(c = 4) { ${call(i + 1)} }`,
  );
  return `${blocks.join('\n')}\n${model('  B0()')}`;
};

const nestings: Nesting[] = [
  {
    name: 'nested parentheses',
    text: (d) => model(`  fc(${nest('(', '4', ')', d)})`, 'input x: [4]'),
    fits: 40,
  },
  { name: 'nested lists', text: (d) => model(`  relu : ${nest('[', '4', ']', d)}`), fits: 40 },
  { name: 'nested tuples', text: (d) => model(`  conv(4, ${nest('(', '1, ', ')', d)})`), fits: 40 },
  {
    name: 'nested function calls',
    text: (d) => model(`  fc(${nest('min(', '4', ', 8)', d)})`, 'input x: [4]'),
    fits: 40,
  },
  {
    name: 'a long sum',
    text: (d) => model(`  fc(${Array(d).fill('1').join(' + ')})`, 'input x: [4]'),
    fits: 250,
  },
  {
    name: 'a long product',
    text: (d) => model(`  fc(${Array(d).fill('1').join(' * ')})`, 'input x: [4]'),
    fits: 250,
  },
  {
    name: 'a long `and` chain',
    text: (d) => model(`  if ${Array(d).fill('true').join(' and ')} { relu }`),
    fits: 250,
  },
  {
    name: 'a unary minus chain',
    text: (d) => model(`  fc(${'-'.repeat(d * 2)}4)`, 'input x: [4]'),
    fits: 20,
  },
  {
    name: 'a unary minus chain with spaces',
    text: (d) => model(`  fc(${'- '.repeat(d * 2)}4)`, 'input x: [4]'),
    fits: 20,
  },
  {
    name: 'a `not` chain',
    text: (d) => model(`  if ${'not '.repeat(d * 2)}true { relu }`),
    fits: 20,
  },
  {
    name: 'nested residual bodies',
    text: (d) => model(nest('residual {\n', 'relu', '\n}', d)),
    fits: 40,
  },
  {
    name: 'nested shortcut bodies',
    text: (d) => model(nest('residual { relu } shortcut {\n', 'relu', '\n}', d)),
    fits: 40,
  },
  {
    name: 'nested dense bodies',
    text: (d) => model(nest('dense {\n', 'relu', '\n}', d)),
    fits: 20,
  },
  {
    name: 'nested concat branches',
    text: (d) => model(nest('concat { branch { relu } branch {\n', 'relu', '\n} }', d)),
    fits: 20,
  },
  { name: 'nested if bodies', text: (d) => model(nest('if true {\n', 'relu', '\n}', d)), fits: 40 },
  {
    name: 'nested else bodies',
    text: (d) => model(nest('if false { relu } else {\n', 'relu', '\n}', d)),
    fits: 40,
  },
  {
    name: 'nested repeat bodies',
    text: (d) => model(nest('repeat 1 {\n', 'relu', '\n}', d)),
    fits: 40,
  },
  {
    name: 'nested for bodies',
    text: (d) => model(nest('for i in 0..1 {\n', 'relu', '\n}', d)),
    fits: 40,
  },
  {
    name: 'a long else-if chain',
    text: (d) => model(`  if false { relu }${' else if false { relu }'.repeat(d)} else { relu }`),
    fits: 40,
  },
  { name: 'nested braces', text: (d) => model(nest('{', '', '}', d)), fits: 40 },
  {
    name: 'a chain of block calls',
    text: (d) => blockChain(d, 'relu', (i) => `B${i}()`),
    fits: 60,
  },
  {
    name: 'a chain of default arguments',
    text: (d) => blockChain(d, 'fc(c)', (i) => `B${i}(c)`),
    fits: 60,
  },
  {
    name: 'a chain of blocks with nested bodies',
    text: (d) => blockChain(d, 'relu', (i) => nest('residual { ', `B${i}()`, ' }', 3)),
    fits: 30,
  },
  {
    name: 'a chain of constants',
    text: (d) =>
      Array.from({ length: d }, (_, i) =>
        i === d - 1 ? `const C${i} = 1` : `const C${i} = C${i + 1} + 1`,
      ).join('\n') + `\n${model('  fc(C0)', 'input x: [4]')}`,
    fits: 60,
  },
  {
    name: 'a deep shape assertion',
    text: (d) => model(`  relu : [${nest('(', '4', ')', d)}, 8, 8]`),
    fits: 40,
  },
];

export const nestingCases: TextCase[] = [
  ...nestings.map((n) => ({ name: `${n.name}, 3,000 deep`, text: () => n.text(DEEP) })),
  ...nestings.map((n) => ({
    name: `${n.name}, ${n.fits} deep (within the limits)`,
    text: () => n.text(n.fits),
    mayPass: true,
  })),
  {
    name: 'a long pipe',
    text: () => model(`  ${Array(LONG).fill('relu').join(' -> ')}`),
    mayPass: true,
  },
  {
    name: 'a long let chain',
    text: () =>
      model(
        Array.from(
          { length: LONG / 2 },
          (_, i) => `  let a${i} = ${i === 0 ? 'x' : `a${i - 1}`} -> relu`,
        ).join('\n') + `\n  a${LONG / 2 - 1}`,
      ),
    mayPass: true,
  },
];

const hugeInt = (digits: number): string => `1${'0'.repeat(digits - 1)}`;

export const literalCases: TextCase[] = [
  {
    name: 'an input dimension of 1e309',
    text: () => model('  relu', `input x: [${hugeInt(310)}, 28, 28]`),
  },
  { name: 'an fc size of 1e309', text: () => model(`  fc(${hugeInt(310)})`, 'input x: [4]') },
  { name: 'a pad of 1e309', text: () => model(`  conv(4, 3, pad=${hugeInt(310)})`) },
  {
    name: 'a conv channel count of 100,000 digits',
    text: () => model(`  conv(${hugeInt(100_000)}, 3)`),
  },
  {
    name: 'an unsafe integer (2^53 + 1)',
    text: () => model('  fc(9007199254740993)', 'input x: [4]'),
  },
  { name: 'a float of 1e400', text: () => `const A = 1e400\n${model('  dropout(A)')}` },
  { name: 'a repeat count of 1e309', text: () => model(`  repeat ${hugeInt(310)} { relu }`) },
  {
    name: 'a product past 2^53',
    text: () => model('  fc(99999999 * 99999999 * 99999999)', 'input x: [4]'),
  },
];

export const loopCases: TextCase[] = [
  {
    name: 'three nested repeat 1000',
    text: () => model('  repeat 1000 { repeat 1000 { repeat 1000 { relu } } }'),
  },
  {
    name: 'three nested empty repeat 10000',
    text: () => model('  repeat 10000 { repeat 10000 { repeat 10000 { } } }\n  relu'),
  },
  {
    name: 'nested for loops',
    text: () => model('  for i in 0..10000 { for j in 0..10000 { for k in 0..10000 { relu } } }'),
  },
  {
    name: 'a block with a loop called in loops',
    text: () =>
      `block B() { repeat 10000 { if false { relu } } }\n` +
      model('  repeat 10000 { repeat 10000 { B() } }'),
  },
  {
    name: 'loops of let statements',
    text: () => model('  repeat 10000 { repeat 10000 { let a = x } }\n  relu'),
  },
];

/** Just under the parser's limit of 100,000 tokens, for cases that must pass every stage. */
const TOKENS = 99_000;

/** `line` repeated to about TOKENS tokens (`tokens` is the count of one line, its end included). */
function fillTokens(line: string, tokens: number): string {
  return line.repeat(Math.floor(TOKENS / tokens));
}

export const largeFileCases: TextCase[] = [
  { name: '1 MB of relu lines', text: () => `model M {\n${fill('  relu\n')}}\n` },
  {
    name: '99,000 tokens of relu lines',
    text: () => model(fillTokens('  relu\n', 2)),
    mayPass: true,
  },
  { name: '1 MB of blank lines', text: () => `${fill('\n')}${model('  relu')}`, mayPass: true },
  { name: '1 MB of semicolons', text: () => model(`  relu${fill(';')}`), mayPass: true },
  {
    name: '1 MB of comments',
    text: () => `${fill('// a comment\n')}${model('  relu')}`,
    mayPass: true,
  },
  {
    name: '1 MB of block comments',
    text: () => `${fill('/* a */')}\n${model('  relu')}`,
    mayPass: true,
  },
  { name: '1 MB of stray closing braces', text: () => fill('}\n') },
  { name: '99,000 tokens of stray closing braces', text: () => fillTokens('}\n', 1) },
  { name: '99,000 tokens of syntax errors', text: () => model(fillTokens('  = relu\n', 3)) },
  { name: '99,000 tokens of unknown layers', text: () => model(fillTokens('  foo\n', 2)) },
  {
    name: '99,000 tokens of statements on one line',
    text: () => model(`  ${fillTokens('relu ', 1)}`),
  },
  { name: '99,000 tokens of unclosed parentheses', text: () => model(fillTokens('  conv(\n', 2)) },
  { name: '99,000 tokens of closing parentheses', text: () => model(fillTokens('  )\n', 2)) },
  {
    name: '99,000 tokens of a list',
    text: () => `const A = [${fillTokens('1, ', 2)}1]\n`,
    mayPass: true,
  },
  { name: '99,000 tokens of commas', text: () => model(`  conv(${fillTokens(',', 1)})`) },
  {
    name: '99,000 tokens of constants',
    text: () =>
      Array.from({ length: TOKENS / 5 }, (_, i) => `const C${i} = ${i}`).join('\n') + '\n',
    mayPass: true,
  },
  {
    name: '99,000 tokens of blocks',
    text: () =>
      Array.from({ length: TOKENS / 8 }, (_, i) => `block B${i}() { relu }`).join('\n') + '\n',
    mayPass: true,
  },
  {
    name: '99,000 tokens of block calls',
    text: () => `block B() { relu }\n${model(fillTokens('  B()\n', 4))}`,
    mayPass: true,
  },
  {
    name: '99,000 tokens of inputs',
    text: () => `model M {\n${fillTokens('  input x: [4]\n', 7)}  output y\n}\n`,
  },
  {
    name: '99,000 tokens of distinct inputs',
    text: () =>
      `model M {\n${Array.from({ length: TOKENS / 7 }, (_, i) => `  input x${i}: [4]`).join('\n')}\n  output y\n}\n`,
    mayPass: true,
  },
  {
    name: '99,000 tokens of lets',
    text: () => model(fillTokens('  let a = relu\n', 5)),
    mayPass: true,
  },
  {
    name: '99,000 tokens of distinct lets',
    text: () =>
      model(Array.from({ length: TOKENS / 5 }, (_, i) => `  let a${i} = relu`).join('\n')),
    mayPass: true,
  },
  {
    name: '99,000 tokens of an add',
    text: () => model(`  let a = relu\n  add(${fillTokens('a, ', 2)}a)`),
    mayPass: true,
  },
  {
    name: '99,000 tokens of shape assertions',
    text: () => model(fillTokens('  relu : [4, 8, 8]\n', 10)),
    mayPass: true,
  },
  {
    name: '99,000 tokens of train entries',
    text: () => `${model('  relu')}train M {\n${fillTokens('  batch = 1\n', 4)}}\n`,
    mayPass: true,
  },
  {
    name: '1 MB of a long number',
    text: () => model(`  fc(${'1'.repeat(MEGABYTE)})`, 'input x: [4]'),
  },
  { name: '1 MB of unclosed parentheses', text: () => model(`  conv${fill('(')}`) },
  { name: '1 MB of unclosed strings', text: () => fill('import "a\n') },
  { name: '1 MB of an identifier', text: () => model(`  ${'a'.repeat(MEGABYTE)}`) },
  { name: '1 MB of a string', text: () => `import "${'a'.repeat(MEGABYTE)}"\n` },
];

export const allTextCases: TextCase[] = [
  ...nestingCases,
  ...literalCases,
  ...loopCases,
  ...largeFileCases,
];
