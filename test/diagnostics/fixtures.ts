// Builders for hand-made diagnostics in the renderer tests: spans are found by searching the
// source for a snippet, so a test reads like the report it expects.
import type {
  Code,
  Diagnostic,
  Label,
  Severity,
  Span,
} from '../../compiler/diagnostics/diagnostic.js';

/** The span of the `occurrence`-th (0-based) appearance of `needle` in `source`. */
export function spanOf(file: string, source: string, needle: string, occurrence = 0): Span {
  let start = -1;
  for (let seen = 0; seen <= occurrence; seen++) {
    start = source.indexOf(needle, start + 1);
    if (start < 0) throw new Error(`fixture: ${JSON.stringify(needle)} not found`);
  }
  return { file, start, end: start + needle.length };
}

/** A diagnostic with empty extras unless given. */
export function makeDiagnostic(
  code: Code,
  span: Span,
  message: string,
  extras: Partial<Pick<Diagnostic, 'labels' | 'hints' | 'notes' | 'fixes'>> & {
    severity?: Severity;
  } = {},
): Diagnostic {
  return {
    code,
    severity: extras.severity ?? 'error',
    message,
    span,
    labels: extras.labels ?? [],
    hints: extras.hints ?? [],
    notes: extras.notes ?? [],
    fixes: extras.fixes ?? [],
  };
}

export function label(span: Span, message: string): Label {
  return { span, message };
}

/** A source lookup over a fixed set of files. */
export function sourcesOf(files: Record<string, string>): (file: string) => string | undefined {
  return (file) => (Object.hasOwn(files, file) ? files[file] : undefined);
}

/** LeNet-5 without its `flatten`: the running example of STYLE.md. */
export const lenet = [
  'model LeNet5 {',
  '  input image: [1, 32, 32]',
  '  conv(6, 5)',
  '  relu',
  '  maxpool(2)',
  '  conv(16, 5)',
  '  relu',
  '  // pooled to 5×5',
  '  maxpool(2)',
  '  // flatten is missing',
  '  linear(120)',
  '  output logits',
  '}',
  '',
].join('\n');
