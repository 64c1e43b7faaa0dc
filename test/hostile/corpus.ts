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

export const nestingCases: TextCase[] = [
  { name: 'nested parentheses', text: () => `const A = ${nest('(', '1', ')', DEEP)}\n` },
  {
    name: 'nested parentheses in an argument',
    text: () => model(`conv(${nest('(', '4', ')', DEEP)}, 3)`),
  },
  { name: 'nested lists', text: () => `const A = ${nest('[', '1', ']', DEEP)}\n` },
  { name: 'nested function calls', text: () => `const A = ${nest('min(', '1', ')', DEEP)}\n` },
  { name: 'a long sum', text: () => `const A = ${Array(LONG).fill('1').join(' + ')}\n` },
  {
    name: 'a long product',
    text: () => model(`fc(${Array(LONG).fill('1').join(' * ')})`, 'input x: [4]'),
  },
  {
    name: 'a long `and` chain',
    text: () => `const A = ${Array(LONG).fill('true').join(' and ')}\n`,
  },
  { name: 'a unary minus chain', text: () => `const A = ${'-'.repeat(LONG)}1\n` },
  { name: 'a unary minus chain with spaces', text: () => `const A = ${'- '.repeat(LONG)}1\n` },
  { name: 'a `not` chain', text: () => `const A = ${'not '.repeat(LONG)}true\n` },
  { name: 'nested residual bodies', text: () => model(nest('residual {\n', 'relu', '\n}', DEEP)) },
  { name: 'nested dense bodies', text: () => model(nest('dense {\n', 'relu', '\n}', DEEP)) },
  {
    name: 'nested concat branches',
    text: () => model(nest('concat { branch { relu } branch {\n', 'relu', '\n} }', DEEP)),
  },
  { name: 'nested if bodies', text: () => model(nest('if true {\n', 'relu', '\n}', DEEP)) },
  { name: 'nested repeat bodies', text: () => model(nest('repeat 1 {\n', 'relu', '\n}', DEEP)) },
  {
    name: 'nested for bodies',
    text: () => model(nest('for i in 0..1 {\n', 'relu', '\n}', DEEP)),
  },
  {
    name: 'a long else-if chain',
    text: () => model(`if false { relu }${' else if false { relu }'.repeat(DEEP)} else { relu }`),
  },
  { name: 'nested braces', text: () => model(nest('{', '', '}', DEEP)) },
  {
    name: 'a chain of block calls',
    text: () => {
      const blocks = Array.from({ length: DEEP }, (_, i) =>
        i === DEEP - 1 ? `block B${i}() { relu }` : `block B${i}() { B${i + 1}() }`,
      );
      return `${blocks.join('\n')}\n${model('  B0()')}`;
    },
  },
  {
    name: 'a chain of constants',
    text: () =>
      Array.from({ length: LONG }, (_, i) =>
        i === LONG - 1 ? `const C${i} = 1` : `const C${i} = C${i + 1} + 1`,
      ).join('\n') + `\n${model('  fc(C0)', 'input x: [4]')}`,
  },
  {
    name: 'a chain of default arguments',
    text: () => {
      const blocks = Array.from({ length: DEEP }, (_, i) =>
        i === DEEP - 1 ? `block B${i}(c = 1) { fc(c) }` : `block B${i}(c = 1) { B${i + 1}(c) }`,
      );
      return `${blocks.join('\n')}\n${model('  B0()', 'input x: [4]')}`;
    },
  },
  { name: 'a long pipe', text: () => model(`  ${Array(LONG).fill('relu').join(' -> ')}`) },
  {
    name: 'a long let chain',
    text: () =>
      model(
        Array.from(
          { length: LONG },
          (_, i) => `  let a${i} = ${i === 0 ? 'x' : `a${i - 1}`} -> relu`,
        ).join('\n') + `\n  a${LONG - 1}`,
      ),
  },
  {
    name: 'a deep shape assertion',
    text: () => model(`  relu : [${nest('(', '4', ')', DEEP)}, 8, 8]`),
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
  { name: '99,000 tokens of a list', text: () => `const A = [${fillTokens('1, ', 2)}1]\n` },
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
  },
  { name: '99,000 tokens of lets', text: () => model(fillTokens('  let a = relu\n', 5)) },
  {
    name: '99,000 tokens of distinct lets',
    text: () =>
      model(Array.from({ length: TOKENS / 5 }, (_, i) => `  let a${i} = relu`).join('\n')),
  },
  {
    name: '99,000 tokens of an add',
    text: () => model(`  let a = relu\n  add(${fillTokens('a, ', 2)}a)`),
  },
  {
    name: '99,000 tokens of shape assertions',
    text: () => model(fillTokens('  relu : [4, 8, 8]\n', 9)),
    mayPass: true,
  },
  {
    name: '99,000 tokens of train entries',
    text: () => `${model('  relu')}train M {\n${fillTokens('  batch = 1\n', 4)}}\n`,
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
