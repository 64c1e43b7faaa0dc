// Identifier and comment safety for emitted code. `.cnn` names are identifiers already, but they
// may be TypeScript reserved words or collide with the module's own names; file paths may hold
// anything, including line breaks. Names are mapped to safe identifiers; comment text is escaped
// so that it can never end the comment it sits in.

/** Words a generated identifier must not be (reserved words, strict-mode names, our own names). */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends ' +
    'false finally for function if import in instanceof new null return super switch this throw ' +
    'true try typeof var void while with as implements interface let package private protected ' +
    'public static yield await async of any boolean number string symbol type undefined never ' +
    'unknown object declare module namespace require arguments eval constructor prototype ' +
    '__proto__ NaN Infinity globalThis Float32Array Promise Error batch runtime backend options ' +
    'forward create buffers slots ' +
    // The training half's own names (trainStep, trainForward, evaluate and their locals).
    'trainer infer trainForward trainStep evaluate labels grads lr loss lossGradient f start size'
  ).split(' '),
);

/** The forms of the module's own variables (`v12`, `layer3_0`, `d5_0`, `train5_0`, `d_v8_1`…). */
const GENERATED = /^(d_)?(v|buf|layer|train|grad|[bdr])\d+(_\d+)*$/;

/** Whether `name` may be emitted as written. */
export function isSafeIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name) && !GENERATED.test(name);
}

/**
 * A safe identifier for `name`, unique within `taken` (which it extends): characters outside
 * `[A-Za-z0-9_]` become `_`, and reserved or taken names get a `_` suffix.
 */
export function safeIdentifier(name: string, taken: Set<string>): string {
  let candidate = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(candidate)) candidate = `_${candidate}`;
  while (!isSafeIdentifier(candidate) || taken.has(candidate)) candidate = `${candidate}_`;
  taken.add(candidate);
  return candidate;
}

/**
 * Text that is inert inside a `//` comment: every character outside printable ASCII (line
 * breaks, U+2028/U+2029, control characters) is written as a `\u{…}` escape.
 */
export function commentText(text: string): string {
  return [...text]
    .map((char) => {
      const code = char.codePointAt(0) as number;
      return code >= 0x20 && code < 0x7f ? char : `\\u{${code.toString(16)}}`;
    })
    .join('');
}

/** A string literal for `text` (JSON's escaping is valid TypeScript; U+2028/9 escaped too). */
export function stringLiteral(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
