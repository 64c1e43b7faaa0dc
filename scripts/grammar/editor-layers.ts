// The editor grammars' layer lists, generated from the layer registry: `npm run grammar:layers`
// rewrites them, and test/layers/completeness.test.ts fails when a committed file differs from
// what this produces (so a new layer is highlighted without anyone editing a grammar by hand).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keywords } from '../../grammar/tokens.js';
import { layers } from '../../compiler/layers/registry.js';
import type { LayerSpec } from '../../compiler/layers/types.js';

export const VIM_SYNTAX = 'editors/vim/syntax/cnn.vim';
export const VSCODE_GRAMMAR = 'editors/vscode/syntaxes/cnn.tmLanguage.json';

const KEYWORDS = new Set(keywords.map((k) => k.name.replace(/Keyword$/, '').toLowerCase()));

/** Every name a layer is called by, in registry order, except keywords (`concat` opens a block). */
export function layerWords(specs: readonly LayerSpec[] = layers): string[] {
  return specs
    .flatMap((spec) => [spec.name, ...(spec.aliases ?? [])])
    .filter((word) => !KEYWORDS.has(word));
}

/** The Vim syntax file with its `syn keyword cnnLayer` lines generated from `words`. */
export function vimSyntax(text: string, words: readonly string[]): string {
  const lines: string[] = [];
  let line = 'syn keyword cnnLayer';
  for (const word of words) {
    if (line.length + word.length + 1 > 96) {
      lines.push(line);
      line = 'syn keyword cnnLayer';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  const pattern = /(^syn keyword cnnLayer .*\n)+/m;
  return text.replace(pattern, `${lines.join('\n')}\n`);
}

/** The VS Code TextMate grammar with its `layers` pattern generated from `words`. */
export function vscodeGrammar(text: string, words: readonly string[]): string {
  const pattern = /("layers": \{\n\s*"name": "support\.function\.layer\.cnn",\n\s*"match": )".*"/;
  return text.replace(pattern, (_all, head: string) => `${head}"\\\\b(${words.join('|')})\\\\b"`);
}

/** The layer words a grammar file lists, read back from the generated line(s). */
export function wordsIn(file: string, text: string): string[] {
  if (file === VIM_SYNTAX)
    return [...text.matchAll(/^syn keyword cnnLayer (.*)$/gm)].flatMap((m) => m[1].split(/\s+/));
  const match = /"support\.function\.layer\.cnn",\s*"match": "\\\\b\((.*)\)\\\\b"/.exec(text);
  return match ? match[1].split('|') : [];
}

/** Each grammar file's text as committed and as generated from the registry. */
export function grammarFiles(
  read: (file: string) => string,
  specs: readonly LayerSpec[] = layers,
): { file: string; committed: string; generated: string }[] {
  const words = layerWords(specs);
  return [
    { file: VIM_SYNTAX, generate: vimSyntax },
    { file: VSCODE_GRAMMAR, generate: vscodeGrammar },
  ].map(({ file, generate }) => {
    const committed = read(file);
    return { file, committed, generated: generate(committed, words) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, committed, generated } of grammarFiles((f) => readFileSync(f, 'utf8')))
    if (generated !== committed) {
      writeFileSync(file, generated);
      console.log(`wrote ${file}`);
    }
}
