// How layers and blocks are written in hovers, completion and signature help:
// `conv(out, kernel, stride=1, pad=0, …)` and `block Basic(c, stride = 1)`, and the doc comment
// written above a block.
import type { BlockItem, FileAst } from '../../grammar/ast.js';
import { printExpr } from '../format/print-expr.js';
import type { ArgSpec, ArgType, LayerSpec } from '../layers/types.js';

/** A schema default as the user writes it (`1`, `true`, `zeros`, `= kernel`). */
export function defaultText(arg: ArgSpec): string | undefined {
  const value = arg.default;
  if (value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if ('symbol' in value) return value.symbol;
  return value.sameAs;
}

/** `name=default`, or `name` for a required argument. */
export function argumentLabel(arg: ArgSpec): string {
  const fallback = defaultText(arg);
  return fallback === undefined ? arg.name : `${arg.name}=${fallback}`;
}

/** The values an argument takes, for completion: enum members, booleans, padding modes. */
export function allowedValues(type: ArgType): string[] {
  switch (type.kind) {
    case 'enum':
      return [...type.values];
    case 'bool':
      return ['true', 'false'];
    case 'pad':
      return type.modes ? ['valid', 'same', 'full'] : [];
    case 'oneOf':
      return type.types.flatMap(allowedValues);
    default:
      return [];
  }
}

/** `conv(out, kernel, stride=1, …)`. */
export function layerSignature(spec: LayerSpec): string {
  return `${spec.name}(${spec.args.map(argumentLabel).join(', ')})`;
}

/** `Basic(c, stride = 1)`, as declared. */
export function blockSignature(block: BlockItem): string {
  const params = block.params.map((p) =>
    p.default ? `${p.name.name} = ${printExpr(p.default)}` : p.name.name,
  );
  return `block ${block.name.name}(${params.join(', ')})`;
}

/**
 * The comments directly above `start` (no blank line between), without their markers: the
 * documentation of a block, as rustdoc and JSDoc take the comment above an item.
 */
export function docComment(ast: FileAst, text: string, start: number): string | undefined {
  const lines: string[] = [];
  let cursor = start;
  for (let idx = ast.comments.length - 1; idx >= 0; idx--) {
    const comment = ast.comments[idx];
    if (comment.span.end > cursor) continue;
    const gap = text.slice(comment.span.end, cursor);
    if (gap.trim() !== '' || (gap.match(/\n/g) ?? []).length > 1) break;
    const body = comment.block
      ? comment.text
          .replace(/^\/\*+/, '')
          .replace(/\*+\/$/, '')
          .split('\n')
          .map((l) => l.replace(/^\s*\* ?/, ''))
      : [comment.text.replace(/^\/\/\s?/, '')];
    lines.unshift(...body);
    cursor = comment.span.start;
  }
  const doc = lines.join('\n').trim();
  return doc === '' ? undefined : doc;
}
