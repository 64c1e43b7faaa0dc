// `cnnc fmt`: prints a parsed file in the canonical layout. Comments are kept: a comment that
// shares a line with code stays at the end of that line; any other comment is printed on its
// own line before the code that follows it. At most one blank line is kept between statements.
// Files with syntax errors are not formatted.
import type {
  Body,
  Comment,
  FileAst,
  IfStatement,
  Item,
  Pipe,
  Statement,
} from '../../grammar/ast.js';
import { parse } from '../../grammar/parse.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { syntaxDiagnostic } from '../diagnostics/from-syntax.js';
import { printExpr, printPipe } from './print-expr.js';

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

const INDENT = '  ';
/** Pipes longer than this are broken before each `->`. */
const MAX_WIDTH = 100;
/** Stands where a shape assertion starts until `alignAssertions` pads consecutive ones. */
const ASSERTION_MARK = '\u0001';

export function formatSource(text: string, file: string): FormatResult {
  const { ast, problems } = parse(text, file);
  if (problems.length > 0) return { ok: false, diagnostics: problems.map(syntaxDiagnostic) };
  return { ok: true, text: new Printer(text, ast).print() };
}

class Printer {
  private readonly lines: string[] = [];
  private readonly comments: Comment[];
  private nextComment = 0;
  /** The source line where the last printed code or comment ended. */
  private lastSourceLine = 0;
  private readonly lineStarts: number[] = [0];

  /**
   * NOTE: the mark is a control character; a source that contains it (in a comment, say) gets
   * plain one-space assertions instead of aligned ones, so the mark is never ambiguous.
   */
  private readonly assertionMark: string;

  constructor(
    private readonly text: string,
    private readonly ast: FileAst,
  ) {
    this.assertionMark = text.includes(ASSERTION_MARK) ? ' ' : ASSERTION_MARK;
    this.comments = ast.comments;
    for (let idx = 0; idx < text.length; idx++)
      if (text[idx] === '\n') this.lineStarts.push(idx + 1);
  }

  print(): string {
    let previousEnd: number | undefined;
    let previous: Item | undefined;
    for (const item of this.ast.items) {
      const tight =
        previous?.kind === item.kind && (item.kind === 'Const' || item.kind === 'Import');
      this.separate(previousEnd, item.span.start, '', !tight);
      this.emitCommentsBefore(item.span.start, '');
      this.printItem(item);
      this.emitTrailing(item.span.end);
      previousEnd = item.span.end;
      previous = item;
    }
    if (previousEnd !== undefined && this.nextComment < this.comments.length)
      this.blankIfGap(previousEnd, this.comments[this.nextComment].span.start);
    this.emitCommentsBefore(Number.POSITIVE_INFINITY, '');
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    if (this.assertionMark === ASSERTION_MARK) alignAssertions(this.lines);
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  private lineOf(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Blank line between items (always) or statements (when the source had one). */
  private separate(
    previousEnd: number | undefined,
    start: number,
    _indent: string,
    always: boolean,
  ): void {
    if (previousEnd === undefined) return;
    if (always) this.lines.push('');
    else this.blankIfGap(previousEnd, this.firstCommentOrCode(previousEnd, start));
  }

  private firstCommentOrCode(after: number, start: number): number {
    const comment = this.comments[this.nextComment];
    return comment && comment.span.start > after && comment.span.start < start
      ? comment.span.start
      : start;
  }

  private blankIfGap(previousEnd: number, nextStart: number): void {
    if (
      this.lineOf(nextStart) - this.lineOf(previousEnd) > 1 &&
      this.lines[this.lines.length - 1] !== ''
    )
      this.lines.push('');
  }

  /**
   * Prints the comments that start before `offset` on their own lines. When `offset` starts code
   * (not a closing brace), a blank line the source had between the comments and that code stays.
   */
  private emitCommentsBefore(offset: number, indent: string, beforeCode = true): void {
    let emitted = 0;
    while (
      this.nextComment < this.comments.length &&
      this.comments[this.nextComment].span.start < offset
    ) {
      const comment = this.comments[this.nextComment++];
      const gap = this.lineOf(comment.span.start) - this.lastSourceLine > 1;
      const previousLine = this.lines[this.lines.length - 1];
      if (
        gap &&
        previousLine !== undefined &&
        previousLine !== '' &&
        !previousLine.trimEnd().endsWith('{')
      )
        this.lines.push('');
      this.lines.push(indent + comment.text.trimEnd());
      this.lastSourceLine = this.lineOf(comment.span.end);
      emitted++;
    }
    if (
      emitted > 0 &&
      beforeCode &&
      Number.isFinite(offset) &&
      this.lineOf(offset) - this.lastSourceLine > 1
    )
      this.lines.push('');
  }

  /** Appends comments that start on the line where the code ending at `end` ends. */
  private emitTrailing(end: number): void {
    const line = this.lineOf(Math.max(end - 1, 0));
    this.lastSourceLine = line;
    while (this.nextComment < this.comments.length) {
      const comment = this.comments[this.nextComment];
      if (comment.span.start < end || this.lineOf(comment.span.start) !== line) break;
      this.lines[this.lines.length - 1] += ` ${comment.text.trimEnd()}`;
      this.nextComment++;
    }
  }

  private printItem(item: Item): void {
    switch (item.kind) {
      case 'Import':
        return void this.lines.push(`import ${JSON.stringify(item.path)}`);
      case 'Const':
        return void this.lines.push(`const ${item.name.name} = ${printExpr(item.value)}`);
      case 'Block': {
        const params = item.params.map((p) =>
          p.default ? `${p.name.name} = ${printExpr(p.default)}` : p.name.name,
        );
        return this.printBody(`block ${item.name.name}(${params.join(', ')})`, item.body, '');
      }
      case 'Model':
        return this.printBody(`model ${item.name.name}`, item.body, '');
      case 'Train':
        return this.printTrain(item);
      case 'Stray':
        return this.printStatement(item.statement, '');
    }
  }

  private printTrain(item: Extract<Item, { kind: 'Train' }>): void {
    this.lines.push(`train ${item.model.name} {`);
    let previousEnd: number | undefined;
    for (const entry of item.entries) {
      this.separate(previousEnd, entry.span.start, INDENT, false);
      this.emitCommentsBefore(entry.span.start, INDENT);
      this.lines.push(`${INDENT}${entry.key.name} = ${printExpr(entry.value)}`);
      this.emitTrailing(entry.span.end);
      previousEnd = entry.span.end;
    }
    this.emitCommentsBefore(item.span.end, INDENT, false);
    this.lines.push('}');
  }

  /** Prints `head {`, the statements, and `}` (with `tail` after it, e.g. ` else {`). */
  private printBody(head: string, body: Body, indent: string): void {
    const inner = indent + INDENT;
    this.lines.push(`${indent}${head} {`);
    this.emitTrailingAfterBrace(body);
    let previousEnd: number | undefined;
    let previousLine = -1;
    for (const statement of body.statements) {
      const sameLine =
        previousEnd !== undefined &&
        this.lineOf(statement.span.start) === previousLine &&
        !this.hasCommentBetween(previousEnd, statement.span.start);
      if (sameLine) {
        this.appendSameLine(statement, inner);
      } else {
        this.separate(previousEnd, statement.span.start, inner, false);
        this.emitCommentsBefore(statement.span.start, inner);
        this.printStatement(statement, inner);
      }
      this.emitTrailing(statement.span.end);
      previousEnd = statement.span.end;
      previousLine = this.lineOf(Math.max(statement.span.end - 1, 0));
    }
    this.emitCommentsBefore(body.span.end - 1, inner, false);
    this.lines.push(`${indent}}`);
  }

  private emitTrailingAfterBrace(body: Body): void {
    this.emitTrailing(body.span.start + 1);
  }

  private hasCommentBetween(start: number, end: number): boolean {
    const comment = this.comments[this.nextComment];
    return comment !== undefined && comment.span.start >= start && comment.span.start < end;
  }

  /** `Basic(64); Basic(64)`: simple statements the user wrote on one line stay on one line. */
  private appendSameLine(statement: Statement, indent: string): void {
    const mark = this.lines.length;
    this.printStatement(statement, indent);
    if (this.lines.length === mark + 1) {
      const line = this.lines.pop()!;
      this.lines[this.lines.length - 1] += `; ${line.trimStart()}`;
    }
  }

  private printStatement(statement: Statement, indent: string): void {
    const mark = this.lines.length;
    this.printStatementKind(statement, indent);
    if (statement.assertion)
      this.lines[this.lines.length - 1] +=
        `${this.assertionMark}: [${statement.assertion.dims.map(printExpr).join(', ')}]`;
    void mark;
  }

  private printStatementKind(statement: Statement, indent: string): void {
    switch (statement.kind) {
      case 'Pipe':
        return this.pushPipe(indent, statement.pipe);
      case 'Let':
        return this.pushPipe(`${indent}let ${statement.name.name} = `, statement.pipe);
      case 'Input':
        return void this.lines.push(
          `${indent}input ${statement.name.name}: [${statement.dims.map(printExpr).join(', ')}]`,
        );
      case 'Output':
        if (!statement.pipe) return void this.lines.push(`${indent}output ${statement.name.name}`);
        return this.pushPipe(`${indent}output ${statement.name.name} = `, statement.pipe);
      case 'Repeat':
        return this.printBody(`repeat ${printExpr(statement.count)}`, statement.body, indent);
      case 'For':
        return this.printBody(
          `for ${statement.variable.name} in ${printExpr(statement.from)}..${printExpr(statement.to)}`,
          statement.body,
          indent,
        );
      case 'If':
        return this.printIf(statement, indent, `${indent}`);
      case 'Dense':
        return this.printBody('dense', statement.body, indent);
      case 'Residual':
        this.printBody('residual', statement.body, indent);
        if (statement.shortcut) {
          const condition = statement.shortcut.condition
            ? ` if ${printExpr(statement.shortcut.condition)}`
            : '';
          this.continueBody(`shortcut${condition}`, statement.shortcut.body, indent);
        }
        return;
      case 'Branches': {
        this.lines.push(`${indent}concat {`);
        statement.branches.forEach((branch) => {
          this.emitCommentsBefore(branch.span.start, indent + INDENT);
          this.printBody('branch', branch.body, indent + INDENT);
          this.emitTrailing(branch.span.end);
        });
        this.emitCommentsBefore(statement.span.end - 1, indent + INDENT, false);
        this.lines.push(`${indent}}`);
        return;
      }
    }
  }

  /**
   * Prints `head` and a pipe on one line, or, when that passes MAX_WIDTH columns, one step per
   * line with each `->` starting a continuation line indented by four more spaces.
   */
  private pushPipe(head: string, pipe: Pipe): void {
    const oneLine = head + printPipe(pipe);
    if (oneLine.length <= MAX_WIDTH || pipe.elements.length < 2)
      return void this.lines.push(oneLine);
    const indent = ' '.repeat(head.length - head.trimStart().length + 4);
    const [first, ...rest] = pipe.elements.map((element) =>
      printPipe({ elements: [element], span: pipe.span }),
    );
    this.lines.push(head + first, ...rest.map((step) => `${indent}-> ${step}`));
  }

  /** Prints `} head {` … `}` joined to the closing brace just printed. */
  private continueBody(head: string, body: Body, indent: string): void {
    const close = this.lines.pop()!;
    const mark = this.lines.length;
    this.printBody(head, body, indent);
    this.lines[mark] = `${close} ${this.lines[mark].trimStart()}`;
  }

  private printIf(statement: IfStatement, indent: string, _prefix: string): void {
    this.printBody(`if ${printExpr(statement.condition)}`, statement.then, indent);
    const otherwise = statement.else;
    if (!otherwise) return;
    if ('kind' in otherwise) {
      const close = this.lines.pop()!;
      const mark = this.lines.length;
      this.printIf(otherwise, indent, indent);
      this.lines[mark] = `${close} else ${this.lines[mark].trimStart()}`;
    } else this.continueBody('else', otherwise, indent);
  }
}

/**
 * Aligns the `: [..]` assertions of consecutive lines at the same indentation, as gofmt aligns
 * trailing comments; a lone assertion gets one space before its colon.
 */
function alignAssertions(lines: string[]): void {
  let idx = 0;
  while (idx < lines.length) {
    if (!lines[idx].includes(ASSERTION_MARK)) {
      idx++;
      continue;
    }
    const indent = lines[idx].length - lines[idx].trimStart().length;
    let end = idx;
    while (
      end < lines.length &&
      lines[end].includes(ASSERTION_MARK) &&
      lines[end].length - lines[end].trimStart().length === indent
    )
      end++;
    const width = Math.max(...lines.slice(idx, end).map((line) => line.indexOf(ASSERTION_MARK)));
    for (let k = idx; k < end; k++) {
      const at = lines[k].indexOf(ASSERTION_MARK);
      lines[k] = `${lines[k].slice(0, at)}${' '.repeat(width - at + 1)}${lines[k].slice(at + 1)}`;
    }
    idx = end;
  }
}
