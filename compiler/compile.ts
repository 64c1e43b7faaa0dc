// The compiler's pipeline, one named stage per line. Each stage is pure: it takes values and
// returns values and diagnostics; only the CLI and the language server read files and print.
import type { FileAst } from '../grammar/ast.js';
import { diagnostic } from './diagnostics/catalog.js';
import { type Diagnostic, hasErrors, sortDiagnostics } from './diagnostics/diagnostic.js';
import { checkRecursion, checkUncalledBlock } from './expand/check-blocks.js';
import { checkBlockNames } from './expand/check-names.js';
import { collectDeclarations, type Declarations } from './expand/declarations.js';
import { evaluateConstants } from './expand/constants.js';
import { expandModel } from './expand/expand-model.js';
import { loadFiles, noImportsHost, type SourceHost } from './expand/load.js';
import { checkTrain } from './expand/train.js';
import type { Program } from './ir/graph.js';

export type { SourceHost };

export interface CompileResult {
  program: Program;
  diagnostics: Diagnostic[];
  /** The parsed root file (also when it has syntax errors). */
  ast: FileAst;
  /** Declarations after name resolution; absent when the file has syntax errors. */
  declarations?: Declarations;
  /** Text of every file read, by path, for rendering diagnostics. */
  texts: Map<string, string>;
}

/**
 * Compiles one `.cnn` source: parse (with imports), resolve names, evaluate constants, expand
 * and shape-check every model, check `train` sections.
 *
 * Invariant: a file with syntax errors stops after parsing, so a broken statement never causes
 * follow-on name or shape errors.
 */
export function compileSource(
  file: string,
  text: string,
  host: SourceHost = noImportsHost,
): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => void diagnostics.push(d);
  const emptyProgram: Program = { models: [], train: [] };
  if (text.trim() === '') {
    report(
      diagnostic(
        'CNN1020',
        { file, start: 0, end: 0 },
        'the file is empty: there is nothing to check',
        {
          hints: ['a model file defines at least one `model Name { … }`'],
        },
      ),
    );
  }
  const files = loadFiles(file, text, host, report);
  const result: CompileResult = {
    program: emptyProgram,
    diagnostics,
    ast: files.root,
    texts: files.texts,
  };
  if (hasErrors(diagnostics)) return finish(result);
  const declarations = collectDeclarations(files.root, files.imported, report);
  checkBlockNames(files.root, declarations, report);
  evaluateConstants(declarations, report);
  checkRecursion(declarations, report);
  const expandedBlocks = new Set<string>();
  const models = [...declarations.models.values()].map((item) =>
    expandModel(item, declarations, report, expandedBlocks, (f) => files.texts.get(f)),
  );
  for (const block of declarations.blocks.values())
    if (!expandedBlocks.has(block.name.name)) checkUncalledBlock(block, declarations, report);
  const train = checkTrain(declarations.train, declarations, report);
  return finish({ ...result, program: { models, train }, declarations });
}

/**
 * Diagnostics kept per compilation. Past a few hundred nobody reads them, and a generated file
 * can produce one per line (20,000 unused `let`s); the last kept one says how many were left out.
 */
export const MAX_DIAGNOSTICS = 200;

/** Sorts diagnostics and drops exact repeats (a block called twice reports its errors once). */
function finish(result: CompileResult): CompileResult {
  const seen = new Set<string>();
  const unique = result.diagnostics.filter((d) => {
    const key = `${d.code}|${d.span.file}|${d.span.start}|${d.span.end}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const sorted = sortDiagnostics(unique);
  if (sorted.length <= MAX_DIAGNOSTICS) return { ...result, diagnostics: sorted };
  // Errors first, so that a flood of warnings never hides one.
  const errors = sorted.filter((d) => d.severity === 'error');
  const kept = sortDiagnostics(
    [...errors, ...sorted.filter((d) => d.severity !== 'error')].slice(0, MAX_DIAGNOSTICS),
  );
  const last = kept[kept.length - 1];
  const omitted = sorted.length - kept.length;
  kept[kept.length - 1] = {
    ...last,
    notes: [...last.notes, `${omitted.toLocaleString('en-US')} more diagnostics are not shown`],
  };
  return { ...result, diagnostics: kept };
}
