// Completion. Inside a call's parentheses: the argument names not yet given (`stride=`, with the
// default and docs) and, after `name=`, the values the argument allows; elsewhere in a body: layer
// names, blocks (as snippets with their required arguments), bindings in scope, constants and the
// body keywords; at the top level: the item keywords. Items are snippets only for clients that
// declare `snippetSupport`; others get one line of plain text with example values (`conv(64, 3)`),
// since a client without snippets inserts `${1:out}` as is and may turn a newline into a NUL byte.
import {
  type CompletionItem,
  CompletionItemKind,
  InsertTextFormat,
} from 'vscode-languageserver/node';
import type { BlockItem, Item } from '../../grammar/ast.js';
import { layerNames, lookupLayer } from '../layers/registry.js';
import { analysisOf, type ServerContext } from './context.js';
import { type CallContext, callContextAt } from './call-context.js';
import { documentUri, positionOffset } from './params.js';
import { allowedValues, argumentLabel, defaultText, layerSignature } from './signatures.js';
import type { SymbolDef } from './symbol-index.js';
import { type WorkspaceFile, workspaceFile } from './workspace.js';

const BODY_KEYWORDS: [string, string][] = [
  ['let', 'let ${1:name} = ${2:relu}'],
  ['residual', 'residual {\n\t$0\n}'],
  ['concat', 'concat {\n\tbranch {\n\t\t$0\n\t}\n}'],
  ['dense', 'dense {\n\t$0\n}'],
  ['repeat', 'repeat ${1:2} {\n\t$0\n}'],
  ['for', 'for ${1:i} in 0..${2:3} {\n\t$0\n}'],
  ['if', 'if ${1:true} {\n\t$0\n}'],
  ['input', 'input ${1:image}: [${2:3, 224, 224}]'],
  ['output', 'output ${1:logits}'],
];

const ITEM_KEYWORDS: [string, string][] = [
  [
    'model',
    'model ${1:Name} {\n\tinput ${2:image}: [${3:3, 32, 32}]\n\t$0\n\toutput ${4:logits}\n}',
  ],
  ['block', 'block ${1:Name}(${2:c}) {\n\t$0\n}'],
  ['const', 'const ${1:NAME} = ${2:1}'],
  ['import', 'import "${1:file.cnn}"'],
  [
    'train',
    'train ${1:Model} {\n\tloss = cross_entropy\n\toptimizer = adam(lr=${2:1e-3})\n\tbatch = 64\n\tepochs = 10\n}',
  ],
];

/** Values a plain-text completion writes for required layer arguments. */
const EXAMPLE_VALUES: Readonly<Record<string, string>> = { out: '64', kernel: '3', sides: '1' };

/** A snippet item; `plain` is what clients without snippets insert (derived when absent). */
function snippet(
  label: string,
  insertText: string,
  kind: CompletionItemKind,
  detail?: string,
  plain?: string,
): CompletionItem {
  return {
    label,
    kind,
    insertText,
    insertTextFormat: InsertTextFormat.Snippet,
    ...(detail ? { detail } : {}),
    data: { plain: plain ?? plainText(insertText) },
  };
}

/**
 * A snippet as one line of plain text: each placeholder becomes its default (`${1:2}` → `2`, a
 * choice its first value, `$0` nothing), and only the first line is kept.
 */
export function plainText(snippetText: string): string {
  const firstLine = snippetText.split('\n')[0];
  return firstLine
    .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\}|\$\d+/g, '')
    .replace(/\\([$}\\])/g, '$1')
    .trimEnd();
}

/** The items as the client can take them: snippets, or plain text without the snippet syntax. */
function forClient(ctx: ServerContext, items: CompletionItem[]): CompletionItem[] {
  return items.map((item) => {
    const { data, ...rest } = item;
    const plain = (data as { plain?: string } | undefined)?.plain;
    if (ctx.snippetSupport || plain === undefined) return rest;
    return { ...rest, insertText: plain, insertTextFormat: InsertTextFormat.PlainText };
  });
}

function layerItems(): CompletionItem[] {
  return layerNames().flatMap((name) => {
    const spec = lookupLayer(name);
    if (!spec) return [];
    const required = spec.args.filter(
      (a) => a.default === undefined && !a.optional && !a.requiredUnless,
    );
    const placeholders = required.map((a, idx) => `\${${idx + 1}:${a.name}}`).join(', ');
    const insert = required.length > 0 ? `${name}(${placeholders})` : name;
    // Plain text also fills arguments required unless another is given (a pool's kernel).
    const needed = spec.args.filter((a) => a.default === undefined && !a.optional);
    const examples = needed.map((a) => EXAMPLE_VALUES[a.name] ?? '1').join(', ');
    const plain = needed.length > 0 ? `${name}(${examples})` : name;
    return [
      {
        ...snippet(name, insert, CompletionItemKind.Function, layerSignature(spec), plain),
        documentation: spec.doc,
      },
    ];
  });
}

function blockItems(ctx: ServerContext, file: WorkspaceFile): CompletionItem[] {
  return [...file.globals.values()].flatMap((def) => {
    if (def.kind !== 'block') return [];
    const block = blockItem(ctx, def);
    const required = block?.params.filter((p) => !p.default) ?? [];
    const placeholders = required.map((p, idx) => `\${${idx + 1}:${p.name.name}}`).join(', ');
    const all = block?.params.map((p) => p.name.name).join(', ') ?? '';
    return [
      snippet(
        def.name,
        `${def.name}(${placeholders})`,
        CompletionItemKind.Class,
        `block ${def.name}(${all})`,
        // No value can be guessed for a block's parameters: the name, then signature help.
        required.length > 0 ? def.name : `${def.name}()`,
      ),
    ];
  });
}

function blockItem(ctx: ServerContext, def: SymbolDef): BlockItem | undefined {
  const items: Item[] = workspaceFile(ctx, def.nameSpan.file)?.ast.items ?? [];
  return items.find(
    (i): i is BlockItem => i.kind === 'Block' && i.name.span.start === def.nameSpan.start,
  );
}

/** Constants, and the parameters, loop variables and bindings visible at `offset`. */
function valueItems(file: WorkspaceFile, offset: number): CompletionItem[] {
  const items = new Map<string, CompletionItem>();
  for (const def of file.globals.values())
    if (def.kind === 'const')
      items.set(def.name, { label: def.name, kind: CompletionItemKind.Constant, detail: 'const' });
  const enclosing = file.ast.items.find((i) => i.span.start <= offset && offset <= i.span.end);
  if (!enclosing) return [...items.values()];
  for (const o of file.index.occurrences) {
    const def = o.def;
    if (
      !o.isDefinition ||
      !def ||
      def.nameSpan.start < enclosing.span.start ||
      def.nameSpan.end > enclosing.span.end
    )
      continue;
    if (def.kind === 'loop' && !(def.span.start <= offset && offset <= def.span.end)) continue;
    const kind =
      def.kind === 'param' ? CompletionItemKind.TypeParameter : CompletionItemKind.Variable;
    if (['param', 'loop', 'let', 'input'].includes(def.kind))
      items.set(def.name, { label: def.name, kind, detail: def.kind });
  }
  return [...items.values()];
}

function argumentItems(
  ctx: ServerContext,
  file: WorkspaceFile,
  call: CallContext,
  offset: number,
): CompletionItem[] {
  const spec = lookupLayer(call.callee);
  const def = file.globals.get(call.callee);
  if (call.current.name !== undefined) {
    const arg = spec?.args.find((a) => a.name === call.current.name);
    const values = arg ? allowedValues(arg.type) : [];
    return [
      ...values.map((v) => ({
        label: v,
        kind: CompletionItemKind.EnumMember,
        detail: `${arg?.name}=${v}`,
      })),
      ...valueItems(file, offset),
    ];
  }
  const names: CompletionItem[] = [];
  // An argument given anywhere in the call, by name or by position, is not offered again.
  const given = (name: string, position: number): boolean =>
    call.given.named.includes(name) || call.given.positional.includes(position);
  if (def?.kind === 'block') {
    for (const [position, param] of (blockItem(ctx, def)?.params ?? []).entries())
      if (!given(param.name.name, position))
        names.push(
          snippet(
            `${param.name.name}=`,
            `${param.name.name}=\${1}`,
            CompletionItemKind.Field,
            'block parameter',
          ),
        );
  } else if (spec) {
    for (const [position, arg] of spec.args.entries()) {
      if (given(arg.name, position)) continue;
      const fallback = defaultText(arg);
      const values = allowedValues(arg.type);
      const choice = values.length > 0 ? `\${1|${values.join(',')}|}` : `\${1:${fallback ?? ''}}`;
      names.push({
        ...snippet(
          `${arg.name}=`,
          `${arg.name}=${choice}`,
          CompletionItemKind.Field,
          argumentLabel(arg),
        ),
        documentation: `${arg.doc}${fallback !== undefined ? ` (default ${fallback})` : ''}${values.length ? `; one of ${values.join(', ')}` : ''}`,
        sortText: `0${arg.name}`,
      });
    }
  }
  return [...names, ...valueItems(file, offset)];
}

/** `textDocument/completion`. */
export function completion(ctx: ServerContext, params: unknown): CompletionItem[] | null {
  const analysis = analysisOf(ctx, documentUri(params));
  const file = analysis && workspaceFile(ctx, analysis.file);
  if (!analysis || !file) return null;
  const offset = positionOffset(params, analysis.index);
  const call = callContextAt(analysis.text, offset);
  if (call) return forClient(ctx, argumentItems(ctx, file, call, offset));
  const inBody = file.ast.items.some(
    (i) =>
      (i.kind === 'Block' || i.kind === 'Model') && i.span.start < offset && offset < i.span.end,
  );
  if (!inBody)
    return forClient(
      ctx,
      ITEM_KEYWORDS.map(([label, text]) => snippet(label, text, CompletionItemKind.Keyword)),
    );
  return forClient(ctx, [
    ...layerItems(),
    ...blockItems(ctx, file),
    ...valueItems(file, offset),
    ...BODY_KEYWORDS.map(([label, text]) => snippet(label, text, CompletionItemKind.Keyword)),
  ]);
}
