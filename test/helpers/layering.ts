// The import-rule check behind test/layering/: reads the layer table of ARCHITECTURE.md ("Layers"),
// walks every TypeScript file of a source tree, lists its imports with the TypeScript compiler's
// own pre-processor (static, dynamic and type-only imports, `export … from`, `require`), and
// reports each import the table forbids with the file, the line and the rule, in the spirit of
// rust-analyzer's tidy test (xtask/src/tidy.rs).
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One row of the table: the files it owns, the layers it may import and the IO it may do. */
export interface LayerRule {
  name: string;
  /** Folders (ending in `/`) and files, relative to the root; the longest match owns a file. */
  paths: string[];
  /** Names of the other layers this one may import (a layer may always import itself). */
  mayImport: string[];
  /** `all`, `none`, or the IO modules it may import (e.g. only `node:worker_threads`). */
  io: 'all' | 'none' | string[];
}

export interface LayerTable {
  layers: LayerRule[];
  /** The modules that count as IO: files, processes, threads, the network, the terminal. */
  ioModules: string[];
}

/** An import the table forbids, or a file no layer owns. */
export interface Violation {
  file: string;
  line: number;
  rule: string;
  message: string;
}

/** One import of a file: what it names and the line it is on (1-based). */
export interface ImportEdge {
  specifier: string;
  line: number;
}

/** Reads the table under the `## Layers` heading of ARCHITECTURE.md and its `IO modules:` line. */
export function readLayerTable(markdown: string): LayerTable {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === '## Layers');
  if (start < 0) throw new Error('ARCHITECTURE.md has no "## Layers" section');
  const end = lines.findIndex((line, idx) => idx > start && line.startsWith('## '));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const rows = section.filter((line) => line.trim().startsWith('|'));
  if (rows.length < 3) throw new Error('the "## Layers" section has no table');
  const header = cells(rows[0]).map((cell) => cell.toLowerCase());
  const expected = ['layer', 'paths', 'may import', 'io'];
  if (header.join('|') !== expected.join('|'))
    throw new Error(
      `the layer table's columns are ${header.join(', ')}, not ${expected.join(', ')}`,
    );
  const layers = rows.slice(2).map((row): LayerRule => {
    const [name, paths, mayImport, io] = cells(row);
    return {
      name,
      paths: codeSpans(paths),
      mayImport: listOf(mayImport),
      io: io === 'all' ? 'all' : io === 'none' ? 'none' : codeSpans(io),
    };
  });
  // The `IO modules:` paragraph runs to the next blank line (prettier wraps it).
  const ioStart = section.findIndex((line) => line.startsWith('IO modules:'));
  if (ioStart < 0) throw new Error('the "## Layers" section has no "IO modules:" paragraph');
  const ioEnd = section.findIndex((line, idx) => idx > ioStart && line.trim() === '');
  const paragraph = section.slice(ioStart, ioEnd < 0 ? undefined : ioEnd).join(' ');
  return { layers, ioModules: codeSpans(paragraph) };
}

function cells(row: string): string[] {
  return row
    .trim()
    .slice(1, -1)
    .split('|')
    .map((cell) => cell.trim());
}

/** The `code` spans of a cell, in order. */
function codeSpans(text: string): string[] {
  const parts = text.split('`');
  return parts.filter((_, idx) => idx % 2 === 1);
}

/** A comma-separated list of layer names; `—` is the empty list. */
function listOf(text: string): string[] {
  if (text === '—' || text === '') return [];
  return text.split(',').map((item) => item.trim());
}

/** Problems of the table itself: unknown names, missing paths, cycles between layers. */
export function checkTable(table: LayerTable, root: string): string[] {
  const problems: string[] = [];
  if (table.ioModules.length === 0) problems.push('the "IO modules:" paragraph lists no module');
  const names = new Set(table.layers.map((layer) => layer.name));
  if (names.size !== table.layers.length) problems.push('two layers have the same name');
  for (const layer of table.layers) {
    for (const other of layer.mayImport)
      if (!names.has(other)) problems.push(`layer "${layer.name}" may import "${other}", no layer`);
    for (const path of layer.paths)
      if (!existsSync(join(root, path))) problems.push(`layer "${layer.name}": no ${path}`);
    if (Array.isArray(layer.io))
      for (const module of layer.io)
        if (!table.ioModules.includes(module))
          problems.push(`layer "${layer.name}" may use ${module}, which is not an IO module`);
  }
  const cycle = findCycle(table.layers);
  if (cycle) problems.push(`the layers import each other: ${cycle.join(' → ')}`);
  return problems;
}

function findCycle(layers: LayerRule[]): string[] | undefined {
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return undefined;
    for (const next of byName.get(name)?.mayImport ?? []) {
      const found = visit(next, [...path, name]);
      if (found) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const layer of layers) {
    const found = visit(layer.name, []);
    if (found) return found;
  }
  return undefined;
}

/** The layer owning `file` (a root-relative path with `/`): the longest matching path wins. */
export function layerOf(table: LayerTable, file: string): LayerRule | undefined {
  let best: LayerRule | undefined;
  let bestLength = -1;
  for (const layer of table.layers)
    for (const path of layer.paths) {
      const owns = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (owns && path.length > bestLength) {
        best = layer;
        bestLength = path.length;
      }
    }
  return best;
}

/** The imports of a TypeScript file, from the compiler's pre-processor (not a regular expression). */
export function importsOf(text: string): ImportEdge[] {
  const info = ts.preProcessFile(text, true, true);
  const lineStarts = [0];
  for (let idx = 0; idx < text.length; idx++) if (text[idx] === '\n') lineStarts.push(idx + 1);
  const lineOf = (pos: number) => lineStarts.filter((start) => start <= pos).length;
  return [...info.importedFiles, ...info.referencedFiles].map((ref) => ({
    specifier: ref.fileName,
    line: lineOf(ref.pos),
  }));
}

/** Every `.ts` file under the given folders of `root`, as root-relative paths with `/`. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts')) files.push(relative(root, path).split(sep).join('/'));
    }
  };
  for (const folder of folders) if (existsSync(join(root, folder))) walk(join(root, folder));
  return files;
}

/** The node built-in a specifier names (`fs` and `node:fs` both give `node:fs`), if any. */
function builtinName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return builtinModules.includes(bare) ? `node:${bare}` : undefined;
}

/** The root-relative file a relative specifier of `file` names, if it exists. */
function resolveRelative(root: string, file: string, specifier: string): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  const stem = target.replace(/\.(js|ts|mjs)$/, '');
  const candidates = [target, `${stem}.ts`, `${stem}.d.ts`, `${stem}/index.ts`];
  // A `.js` specifier names its `.ts` source; a JSON or other data file is named as it is.
  const isFile = (path: string) =>
    existsSync(join(root, path)) && statSync(join(root, path)).isFile();
  return candidates.find(isFile);
}

/**
 * Checks every `.ts` file under `folders` of `root` against the table: each file belongs to a
 * layer, each relative import reaches a layer its own layer may import, and only layers that may
 * do IO import an IO module (only the listed ones, when the layer lists them).
 */
export function checkLayering(
  root: string,
  folders: readonly string[],
  table: LayerTable,
): Violation[] {
  const violations: Violation[] = [];
  for (const file of sourceFiles(root, folders)) {
    const layer = layerOf(table, file);
    if (!layer) {
      violations.push({
        file,
        line: 1,
        rule: 'every file belongs to a layer',
        message: 'no layer of ARCHITECTURE.md owns this file; add its folder to the table',
      });
      continue;
    }
    const text = readFileSync(join(root, file), 'utf8');
    for (const edge of importsOf(text)) {
      const found = checkEdge(root, file, layer, edge, table);
      if (found) violations.push({ file, line: edge.line, ...found });
    }
    if (layer.io === 'none')
      for (const use of terminalUses(file, text))
        violations.push({
          file,
          line: use.line,
          rule: `${layer.name} does no IO`,
          message: `uses ${use.name}`,
        });
  }
  return violations;
}

/** What a layer without IO may not touch although it needs no import: the terminal and the process. */
const TERMINAL_GLOBALS: Record<string, readonly string[]> = {
  console: ['log', 'error', 'warn', 'info', 'debug', 'trace', 'table', 'dir'],
  process: ['stdout', 'stderr', 'stdin', 'exit', 'cwd', 'chdir', 'kill'],
};

/** Uses of `console.*` and `process.stdout` (…) in a file, found on its syntax tree. */
export function terminalUses(file: string, text: string): { name: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const uses: { name: string; line: number }[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      TERMINAL_GLOBALS[node.expression.text]?.includes(node.name.text)
    ) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      uses.push({ name: `${node.expression.text}.${node.name.text}`, line });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

function checkEdge(
  root: string,
  file: string,
  layer: LayerRule,
  edge: ImportEdge,
  table: LayerTable,
): { rule: string; message: string } | undefined {
  const { specifier } = edge;
  if (specifier.startsWith('.')) {
    const target = resolveRelative(root, file, specifier);
    if (!target) return { rule: 'imports resolve', message: `\`${specifier}\` names no file` };
    const owner = layerOf(table, target);
    if (!owner || owner === layer || layer.mayImport.includes(owner.name)) return undefined;
    return {
      rule: `${layer.name} may import ${layer.mayImport.join(', ') || 'no other layer'}`,
      message: `imports ${target} (layer "${owner.name}")`,
    };
  }
  const module = builtinName(specifier) ?? specifier;
  if (!table.ioModules.includes(module) || layer.io === 'all') return undefined;
  if (Array.isArray(layer.io) && layer.io.includes(module)) return undefined;
  const allowed = Array.isArray(layer.io) ? `only ${layer.io.join(', ')}` : 'no IO';
  return {
    rule: `${layer.name} does ${allowed}`,
    message: `imports the IO module ${module}`,
  };
}

/** One line per violation: `file:line: rule: message`. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: [${v.rule}] ${v.message}`).join('\n');
}

/** The repository root (this file is test/helpers/layering.ts). */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folders `tsconfig.json` compiles: the layered source tree (tests and scripts are not). */
export function layeredFolders(root: string): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) throw new Error('tsconfig.json cannot be read');
  return (config.config as { include: string[] }).include;
}
