// `cnnc explain CODE`: finds the page of a diagnostic code in docs/errors/ and returns its text.
// Accepts `CNN2001`, `cnn2001`, `2001` or the slug `unknown-layer`; for anything else it proposes
// the nearest code or slug. Reading the folder is the only I/O; printing is the caller's job.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { catalog } from '../diagnostics/catalog.js';
import { suggest } from '../util/edit-distance.js';

/** The page's Markdown text, or a one-line message for the user (no final period). */
export type ExplainResult = { ok: true; text: string } | { ok: false; message: string };

/**
 * Returns the page of `code` in `docsDir` (the folder holding `CNNxxxx.md`). The code is matched
 * case-insensitively, a bare number gets the `CNN` prefix, and a slug from the catalog names its
 * code. Never throws: an unreadable folder or page becomes `{ ok: false }`.
 */
export function explainCode(code: string, docsDir: string): ExplainResult {
  const pages = listPages(docsDir);
  if (!pages.ok) return pages;
  const query = code.trim();
  const wanted = resolveCode(query);
  const file = wanted === undefined ? undefined : pages.byCode.get(wanted);
  if (file !== undefined) return readPage(join(docsDir, file));
  if (wanted !== undefined && wanted in catalog) {
    return { ok: false, message: `\`${wanted}\` has no page in ${docsDir}` };
  }
  const candidates = [...new Set([...Object.keys(catalog), ...pages.byCode.keys()])];
  const slugs = Object.values(catalog).map((entry) => entry.slug);
  const nearest = /^(cnn)?\d+$/i.test(query)
    ? suggest(wanted ?? query, candidates)
    : (suggest(query.toLowerCase(), slugs) ?? suggest(query.toUpperCase(), candidates));
  const hint = nearest === undefined ? '' : `; did you mean \`${nearest}\`?`;
  const shown = query === '' ? 'an empty code' : `\`${query}\``;
  return { ok: false, message: `unknown diagnostic code ${shown}${hint}` };
}

/** The upper-case code a query names: `CNN2001` from `cnn2001`, `2001` or `unknown-layer`. */
function resolveCode(query: string): string | undefined {
  if (/^cnn\d+$/i.test(query)) return query.toUpperCase();
  if (/^\d+$/.test(query)) return `CNN${query}`;
  const slug = query.toLowerCase();
  return Object.entries(catalog).find(([, entry]) => entry.slug === slug)?.[0];
}

type PageList = { ok: true; byCode: Map<string, string> } | { ok: false; message: string };

/** Maps each upper-case code to its file name in `docsDir`, whatever the file name's case. */
function listPages(docsDir: string): PageList {
  let names: string[];
  try {
    names = readdirSync(docsDir);
  } catch (error) {
    return { ok: false, message: `cannot read the error pages in ${docsDir}: ${reason(error)}` };
  }
  const byCode = new Map<string, string>();
  for (const name of names.sort()) {
    const match = /^(cnn\d+)\.md$/i.exec(name);
    if (match !== null) byCode.set(match[1].toUpperCase(), name);
  }
  return { ok: true, byCode };
}

function readPage(path: string): ExplainResult {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (error) {
    return { ok: false, message: `cannot read ${path}: ${reason(error)}` };
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
