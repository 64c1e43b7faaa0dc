// Turns the Chevrotain CST into the typed AST. The CST of a file with syntax errors may have
// holes (recovered nodes); a node missing an essential part is dropped, since the parser has
// already reported why.
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import type { Span } from './span.js';

type Children = Record<string, CstElement[] | undefined>;

/** A syntax problem found while building the AST (the parser accepts a few things loosely). */
export interface AstProblem {
  kind:
    | 'unexpected'
    | 'missing-separator'
    | 'expected-item'
    | 'expected-statement'
    | 'too-deep'
    | 'number-too-large';
  message: string;
  span: Span;
}

export class AstBuilder {
  readonly problems: AstProblem[] = [];
  /** Depth of each expression built (1 for a literal), to refuse expressions nested too deeply. */
  readonly depths = new WeakMap<object, number>();
  /** An expression was refused as too deep (reported once per file). */
  tooDeep = false;

  constructor(readonly file: string) {}

  tokenSpan(token: IToken): Span {
    return {
      file: this.file,
      start: token.startOffset,
      end: token.startOffset + token.image.length,
    };
  }

  nodeSpan(node: CstNode): Span {
    const location = node.location;
    if (location && Number.isFinite(location.startOffset) && Number.isFinite(location.endOffset))
      return { file: this.file, start: location.startOffset, end: (location.endOffset ?? 0) + 1 };
    // Recovered nodes may lack a location: fall back to their tokens.
    const tokens = collectTokens(node);
    if (tokens.length === 0) return { file: this.file, start: 0, end: 0 };
    const last = tokens[tokens.length - 1];
    return {
      file: this.file,
      start: tokens[0].startOffset,
      end: last.startOffset + last.image.length,
    };
  }

  ident(token: IToken | undefined): A.Identifier | undefined {
    if (!token || token.isInsertedInRecovery || token.image === undefined) return undefined;
    return { name: token.image, span: this.tokenSpan(token) };
  }

  /** Reports each comma in `commas` beyond what separates `count` items (`conv(6,,5)`). */
  checkCommas(commas: IToken[], items: CstNode[]): void {
    // One pass over both lists in source order (linear: a list may have 100,000 items).
    const itemStarts = items.map(firstOffset).sort((x, y) => x - y);
    const sorted = [...commas].sort((x, y) => x.startOffset - y.startOffset);
    let before = 0;
    sorted.forEach((comma, commasBefore) => {
      while (before < itemStarts.length && itemStarts[before] < comma.startOffset) before++;
      if (before <= commasBefore)
        this.problems.push({
          kind: 'unexpected',
          message: 'unexpected `,`: an item is missing before it',
          span: this.tokenSpan(comma),
        });
    });
  }
}

export function children(node: CstNode): Children {
  return node.children as Children;
}

export function tokens(node: CstNode, name: string): IToken[] {
  return (children(node)[name] ?? []) as IToken[];
}

export function token(node: CstNode, name: string, idx = 0): IToken | undefined {
  const found = tokens(node, name)[idx];
  return found && !found.isInsertedInRecovery ? found : undefined;
}

export function nodes(node: CstNode, name: string): CstNode[] {
  return (children(node)[name] ?? []) as CstNode[];
}

export function child(node: CstNode, name: string, idx = 0): CstNode | undefined {
  return nodes(node, name)[idx];
}

function isToken(element: CstElement): element is IToken {
  return (element as IToken).image !== undefined && (element as IToken).tokenType !== undefined;
}

/** Every real token under `node`, in source order. */
export function collectTokens(node: CstNode): IToken[] {
  const out: IToken[] = [];
  const visit = (current: CstNode): void => {
    for (const list of Object.values(current.children)) {
      for (const element of list ?? []) {
        if (isToken(element)) {
          if (!element.isInsertedInRecovery && !Number.isNaN(element.startOffset))
            out.push(element);
        } else visit(element);
      }
    }
  };
  visit(node);
  return out.sort((a, b) => a.startOffset - b.startOffset);
}

function firstOffset(node: CstNode): number {
  const start = node.location?.startOffset;
  if (start !== undefined && Number.isFinite(start)) return start;
  return collectTokens(node)[0]?.startOffset ?? Number.POSITIVE_INFINITY;
}
