// Safe pieces of generated Python: identifiers, literals and comments. `.cnn` names are
// identifiers already, but they may be Python keywords or collide with the names the generated
// file uses itself (`nn`, `torch`, `self`, its helper classes); file paths may hold anything. Only
// validated identifiers, numbers and escaped comment text ever reach the generated source.

/** Words a generated Python identifier must not be: keywords, builtins we rely on, our own names. */
const RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield match case type print len range dict list tuple int float str bool object super ' +
    'self torch nn F math json os sys struct argparse np x y out inputs outputs model module ' +
    'Add Concat Pad Normalize Separable BatchNorm1d BatchNorm2d BatchNorm3d PaddedConv1d PaddedConv2d ' +
    'PaddedConv3d load_safetensors save_safetensors INPUT_SHAPES OUTPUT_NAMES Model'
  ).split(' '),
);

/** Python's keywords, which no module name may be. */
export const PYTHON_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except ' +
    'finally for from global if import in is lambda nonlocal not or pass raise return try while ' +
    'with yield'
  ).split(' '),
);

/** Whether `name` may be written as a Python identifier as it is. */
export function isSafePythonName(name: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !RESERVED.has(name) &&
    !name.startsWith('__') &&
    !/^[xy]\d+$/.test(name)
  );
}

/**
 * A safe Python identifier for `name`, unique within `taken` (which it extends): characters
 * outside `[A-Za-z0-9_]` become `_`, and reserved or taken names get a `_` suffix.
 */
export function pythonName(name: string, taken: Set<string>): string {
  let candidate = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(candidate)) candidate = `_${candidate}`;
  if (candidate.startsWith('__')) candidate = `n${candidate}`;
  while (!isSafePythonName(candidate) || taken.has(candidate)) candidate = `${candidate}_`;
  taken.add(candidate);
  return candidate;
}

/**
 * Text that is inert inside a `#` comment: every character outside printable ASCII (line breaks,
 * U+2028/U+2029, control characters) is written as a `\u{…}` escape.
 */
export function pythonComment(text: string): string {
  return [...text]
    .map((char) => {
      const code = char.codePointAt(0) as number;
      return code >= 0x20 && code < 0x7f ? char : `\\u{${code.toString(16)}}`;
    })
    .join('');
}

/** A Python string literal for `text` (JSON escaping is valid Python; only ASCII is emitted). */
export function pythonString(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/** A Python number literal: integers as written, floats with a `.` or an exponent. */
export function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`internal error: ${value} has no Python literal`);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(value);
}

/** `True`/`False`. */
export function pythonBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** One size for every dimension (`3`) when they agree, else a tuple (`(3, 5)`). */
export function sizeLiteral(sizes: readonly number[]): string {
  if (sizes.length > 0 && sizes.every((size) => size === sizes[0])) return pythonNumber(sizes[0]);
  return `(${sizes.map(pythonNumber).join(', ')})`;
}

/** A tuple literal, with the trailing comma Python needs for one item. */
export function tupleLiteral(items: readonly string[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}
