// Loads the root file and, transitively, every file it imports, through a SourceHost (the only
// way the compiler reaches files, so compilation stays a pure function of its inputs).
import type { FileAst } from '../../grammar/ast.js';
import { MAX_SYNTAX_PROBLEMS, parse } from '../../grammar/parse.js';
import { diagnostic } from '../diagnostics/catalog.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { syntaxDiagnostic } from '../diagnostics/from-syntax.js';

export interface SourceHost {
  /** The text of `path`, or undefined if it cannot be read as a model file. */
  read(path: string): string | undefined;
  /** The path that `import "spec"` in `fromFile` names. */
  resolve(fromFile: string, spec: string): string;
  /** Why `read(path)` gave nothing, when the file exists but cannot be used (optional). */
  whyUnreadable?(path: string): string | undefined;
}

/** A host that resolves no imports (for single sources in tests and the language server). */
export const noImportsHost: SourceHost = {
  read: () => undefined,
  resolve: (_from, spec) => spec,
};

/** Files in one chain of imports (a imports b imports c …); real projects have two or three. */
export const MAX_IMPORT_DEPTH = 64;

export interface LoadedFiles {
  root: FileAst;
  imported: FileAst[];
  /** Text of every loaded file, by path, for rendering diagnostics. */
  texts: Map<string, string>;
}

export function loadFiles(
  file: string,
  text: string,
  host: SourceHost,
  report: (d: Diagnostic) => void,
): LoadedFiles {
  const texts = new Map<string, string>([[file, text]]);
  const asts = new Map<string, FileAst>();
  const visit = (path: string, source: string, stack: string[]): FileAst => {
    const { ast, problems } = parse(source, path);
    problems.forEach((problem, idx) => {
      const d = syntaxDiagnostic(problem);
      if (idx === MAX_SYNTAX_PROBLEMS - 1)
        d.hints = [...d.hints, `cnnc stops after ${MAX_SYNTAX_PROBLEMS} syntax errors in a file`];
      report(d);
    });
    asts.set(path, ast);
    for (const item of ast.items) {
      if (item.kind !== 'Import') continue;
      const target = host.resolve(path, item.path);
      if (target === path || stack.includes(target)) {
        const cycle = [...stack.slice(stack.indexOf(target)), path, target];
        report(
          diagnostic(
            'CNN2016',
            item.span,
            `import cycle: ${cycle.map((p) => `\`${p}\``).join(' → ')}`,
            {
              hints: ['move the shared blocks into a third file that both import'],
            },
          ),
        );
        continue;
      }
      if (asts.has(target)) continue;
      if (stack.length >= MAX_IMPORT_DEPTH) {
        // Loading recurses once per file of an import chain: refuse a chain past the limit.
        report(
          diagnostic(
            'CNN2029',
            item.pathSpan,
            `imports nested too deeply: \`${item.path}\` is imported through a chain of ${MAX_IMPORT_DEPTH} files, the most cnnc loads`,
            { hints: ['import shared files from one file instead of each from the previous one'] },
          ),
        );
        continue;
      }
      const imported = host.read(target);
      if (imported === undefined) {
        const why = host.whyUnreadable?.(target);
        const missing = why === undefined || /no such file/.test(why);
        report(
          diagnostic(
            'CNN2015',
            item.pathSpan,
            missing
              ? `cannot find \`${item.path}\` (looked for \`${target}\`)`
              : `cannot import \`${item.path}\`: ${why.replace(/^cannot read `[^`]*`: /, '').replace(/; pass \.cnn files$/, '')}`,
          ),
        );
        continue;
      }
      texts.set(target, imported);
      visit(target, imported, [...stack, path]);
    }
    return ast;
  };
  const root = visit(file, text, []);
  const imported = [...asts.values()].filter((ast) => ast !== root);
  return { root, imported, texts };
}
